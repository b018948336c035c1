/*
 * The live console (docs/console.md): plain JavaScript, no build step, no dependency.
 * - logs in with the OAuth2 password grant (POST /oauth/token) and keeps the token for this tab only
 *   (sessionStorage);
 * - lists a system's recent sagas (GET /api/timeline/<system>) and opens one (GET /api/timeline/<system>/<key>);
 * - stays live with Server-Sent Events (GET /console/events, the token as `access_token`: EventSource sends
 *   no header), re-reading the list when the stream reconnects so that nothing pushed meanwhile is missed;
 * - polls the panel of contexts (GET /api/operations/contexts; the dead letters themselves for admins).
 * Everything shown from the server is set as text (textContent), never as HTML.
 */
"use strict";

(function () {
	var TOKEN_KEY = "console.token";
	var CONTEXTS_EVERY_MS = 3000;

	var state = { token: null, user: null, systems: [], system: null, sagas: new Map(), openKey: null, stream: null, contextsTimer: null, everConnected: false };

	function $(id) {
		return document.getElementById(id);
	}

	/** An element with attributes and children (strings become text nodes). */
	function el(tag, attrs, children) {
		var node = document.createElement(tag);
		Object.keys(attrs || {}).forEach(function (name) {
			var value = attrs[name];
			if (value === undefined || value === null || value === false) return;
			if (name === "text") node.textContent = value;
			else if (name === "class") node.className = value;
			else node.setAttribute(name, value === true ? "" : String(value));
		});
		(children || []).forEach(function (child) {
			if (child === null || child === undefined || child === false) return;
			node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
		});
		return node;
	}

	function badge(kind, text, title) {
		return el("span", { class: "badge " + kind, title: title }, [text]);
	}

	function en(text) {
		return el("span", { class: "en", lang: "en" }, [text]);
	}

	function announce(text) {
		$("announce").textContent = text;
	}

	/** "2026-01-01T09:00:00.123Z" → local "18:00:00.123". */
	function clock(iso) {
		var d = new Date(iso);
		if (isNaN(d.getTime())) return iso;
		var pad = function (n, w) {
			return String(n).padStart(w || 2, "0");
		};
		return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + "." + pad(d.getMilliseconds(), 3);
	}

	// ---- the token ------------------------------------------------------------------------------

	function claimsOf(token) {
		try {
			var part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
			var json = decodeURIComponent(
				atob(part)
					.split("")
					.map(function (c) {
						return "%" + ("00" + c.charCodeAt(0).toString(16)).slice(-2);
					})
					.join("")
			);
			return JSON.parse(json);
		} catch (e) {
			return null;
		}
	}

	function isAdmin() {
		return !!state.user && state.user.roles.indexOf("admin") >= 0;
	}

	function api(path) {
		return fetch(path, { headers: { Authorization: "Bearer " + state.token, Accept: "application/json" } }).then(function (res) {
			if (res.status === 401) {
				logout("세션이 만료되었습니다. 다시 로그인하세요. (Your session ended: log in again.)");
				throw new Error("401");
			}
			return res.json().then(function (body) {
				return { status: res.status, body: body };
			});
		});
	}

	// ---- login ----------------------------------------------------------------------------------

	function login(event) {
		event.preventDefault();
		var username = $("username").value.trim();
		var password = $("password").value;
		$("login-error").textContent = "";
		if (!username || !password) {
			$("login-error").textContent = "아이디와 비밀번호를 입력하세요. (Enter a username and a password.)";
			return;
		}
		fetch("/oauth/token", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ grant_type: "password", username: username, password: password }) })
			.then(function (res) {
				return res.json().then(function (body) {
					if (res.status !== 200 || !body.access_token) throw new Error(body && body.message ? body.message : "HTTP " + res.status);
					$("password").value = "";
					start(body.access_token);
				});
			})
			.catch(function (err) {
				$("login-error").textContent = "로그인 실패: " + err.message;
			});
	}

	function logout(message) {
		sessionStorage.removeItem(TOKEN_KEY);
		state.token = null;
		state.user = null;
		if (state.stream) state.stream.close();
		state.stream = null;
		clearInterval(state.contextsTimer);
		$("app").hidden = true;
		$("who").hidden = true;
		$("login-panel").hidden = false;
		$("login-error").textContent = typeof message === "string" ? message : "";
		$("username").focus();
	}

	function start(token) {
		var claims = claimsOf(token);
		if (!claims || !claims.exp || claims.exp * 1000 <= Date.now()) return logout();
		state.token = token;
		state.user = { sub: claims.sub, roles: claims.roles || [] };
		sessionStorage.setItem(TOKEN_KEY, token);
		var roles = state.user.roles.join(", ");
		$("who-name").textContent = state.user.sub + " (" + roles + ")";
		$("who").hidden = false;
		$("login-panel").hidden = true;
		$("app").hidden = false;
		if (!state.user.roles.some(function (r) { return r === "admin" || r === "customer"; })) {
			$("live").textContent = "이 콘솔은 관리자와 고객용입니다. (The console is for admins and customers.)";
		}
		api("/api/timeline").then(function (res) {
			if (res.status !== 200) return showProblem(res.body);
			state.systems = res.body;
			var select = $("system");
			select.textContent = "";
			state.systems.forEach(function (s) {
				select.appendChild(el("option", { value: s.name }, [s.title + " (" + s.name + ")"]));
			});
			selectSystem(state.systems.length ? state.systems[0].name : null);
		});
		loadContexts();
		clearInterval(state.contextsTimer);
		state.contextsTimer = setInterval(function () {
			if (!document.hidden) loadContexts();
		}, CONTEXTS_EVERY_MS);
	}

	function showProblem(body) {
		$("live").textContent = (body && body.message) || "오류 (error)";
		$("live").dataset.state = "error";
	}

	// ---- sagas of a system ------------------------------------------------------------------------

	function selectSystem(name) {
		state.system = name;
		state.sagas = new Map();
		state.openKey = null;
		$("saga-panel").hidden = true;
		renderList();
		if (state.stream) state.stream.close();
		if (!name) return;
		loadList();
		connect();
	}

	function loadList() {
		var system = state.system;
		return api("/api/timeline/" + encodeURIComponent(system) + "?pageSize=50").then(function (res) {
			if (system !== state.system) return;
			if (res.status !== 200) return showProblem(res.body);
			res.body.rows.forEach(function (row) {
				var known = state.sagas.get(row.key);
				if (!known || known.updatedAt <= row.updatedAt) state.sagas.set(row.key, Object.assign({}, known || {}, row));
			});
			renderList();
			if (state.openKey) openSaga(state.openKey, false);
		});
	}

	function connect() {
		var url = "/console/events?system=" + encodeURIComponent(state.system) + "&access_token=" + encodeURIComponent(state.token);
		var stream = new EventSource(url);
		state.stream = stream;
		setLive("connecting");
		stream.addEventListener("ready", function () {
			// A reconnect may have missed pushes: read the list again.
			if (state.everConnected) loadList();
			state.everConnected = true;
			setLive("live");
		});
		stream.addEventListener("saga", function (event) {
			var row = JSON.parse(event.data);
			if (row.system !== state.system) return;
			var fresh = !state.sagas.has(row.key);
			state.sagas.set(row.key, row);
			renderList(fresh ? row.key : null);
			if (state.openKey === row.key) renderSaga(row, true);
		});
		stream.addEventListener("expired", function () {
			stream.close();
			logout("토큰이 만료되었습니다. 다시 로그인하세요. (Your token expired: log in again.)");
		});
		stream.onerror = function () {
			if (state.stream === stream) setLive("connecting");
		};
	}

	function setLive(what) {
		var live = $("live");
		live.dataset.state = what;
		live.textContent = "";
		if (what === "live") live.append("실시간 ", en("live"));
		else live.append("연결 중… ", en("connecting"));
	}

	function standingBadges(row) {
		var out = [];
		if (row.failing) out.push(badge("bad", "실패 " + row.failing, "consumers failing"));
		if (row.deadLettered) out.push(badge("bad", "데드레터 " + row.deadLettered, "dead letters"));
		if (row.waiting) out.push(badge("wait", "대기 " + row.waiting, "consumers with no success told yet"));
		else out.push(badge("ok", "모두 처리됨", "every consumer handled every fact"));
		if (row.compensated) out.push(badge("info", "보상됨", "a compensation was told"));
		if (row.pivotPassed) out.push(badge("info", "피벗 통과", "past the pivot: only forward"));
		return out;
	}

	function renderList(freshKey) {
		var rows = Array.from(state.sagas.values()).sort(function (a, b) {
			return a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0;
		});
		var body = $("sagas").tBodies[0];
		body.textContent = "";
		rows.forEach(function (row) {
			// Long keys (UUIDs) are shortened on screen; the button's name and title carry the whole key.
			var shown = row.key.length > 14 ? row.key.slice(0, 8) + "…" : row.key;
			var open = el("button", { type: "button", class: "link", "aria-label": "사가 열기 " + row.key, title: row.key, "data-key": row.key, text: shown });
			open.addEventListener("click", function () {
				openSaga(row.key, true);
			});
			var tr = el("tr", { class: (row.key === state.openKey ? "selected " : "") + (row.key === freshKey ? "fresh" : ""), "data-key": row.key }, [
				el("td", {}, [open]),
				el("td", { text: row.owner || "—" }),
				el("td", {}, [el("code", { text: row.last })]),
				el("td", {}, standingBadges(row)),
				el("td", {}, [el("time", { datetime: row.updatedAt, text: clock(row.updatedAt) })])
			]);
			body.appendChild(tr);
		});
		$("sagas").hidden = rows.length === 0;
		$("sagas-empty").hidden = rows.length > 0;
	}

	function openSaga(key, focus) {
		state.openKey = key;
		renderList();
		$("saga-panel").hidden = false;
		var system = state.system;
		return api("/api/timeline/" + encodeURIComponent(system) + "/" + encodeURIComponent(key)).then(function (res) {
			if (system !== state.system || key !== state.openKey) return;
			if (res.status === 200) renderSaga(res.body, false);
			else renderMissing(key, res);
			if (focus) $("saga-title").focus();
		});
	}

	function renderMissing(key, res) {
		$("saga-title").textContent = "";
		$("saga-title").append("사가 " + key + " ", en("saga timeline"));
		$("timeline").textContent = "";
		$("saga-standing").textContent = res.status === 404 ? "" : (res.body && res.body.message) || "HTTP " + res.status;
		$("saga-empty").hidden = res.status !== 404;
	}

	function outcomeItem(consumer, o) {
		if (!o) return el("li", { "data-consumer": consumer, "data-outcome": "waiting" }, [badge("wait", "… " + consumer + " 대기", "no notice from " + consumer + " yet")]);
		var tries = o.attempts && o.attempts > 1 ? " (" + o.attempts + "회)" : "";
		if (o.outcome === "handled") return el("li", { "data-consumer": consumer, "data-outcome": "handled" }, [badge("ok", "✓ " + consumer + " 처리됨" + tries, o.error ? "handled after: " + o.error : "handled")]);
		return el("li", { "data-consumer": consumer, "data-outcome": "failed" }, [badge("bad", "✗ " + consumer + " 실패" + tries + (o.deadLettered ? " · 데드레터" : ""), "failed"), el("span", { class: "why", text: o.error || "" })]);
	}

	function renderSaga(row, live) {
		$("saga-empty").hidden = true;
		var title = $("saga-title");
		title.textContent = "";
		title.append(row.keyField + " " + row.key + " ", en("saga timeline"));
		var standing = $("saga-standing");
		standing.textContent = "";
		standing.append("고객 ", el("strong", { text: row.owner || "—" }), " · 최근 ", el("code", { text: row.last }), " · ");
		standingBadges(row).forEach(function (b) {
			standing.append(b);
		});
		if (row.dropped) standing.append(" · 이전 이벤트 " + row.dropped + "개 생략");
		var list = $("timeline");
		var before = list.children.length;
		list.textContent = "";
		row.entries.forEach(function (e) {
			var marks = [];
			if (e.compensates) marks.push(badge("info", "보상: " + e.compensates + " 취소", "compensates " + e.compensates));
			if (e.pivot) marks.push(badge("info", "피벗", "the pivot: after it, only forward"));
			var others = Object.keys(e.outcomes).filter(function (c) {
				return e.consumers.indexOf(c) < 0;
			});
			var outcomes = e.consumers.concat(others).map(function (c) {
				return outcomeItem(c, e.outcomes[c]);
			});
			if (outcomes.length === 0) outcomes.push(el("li", {}, [el("span", { class: "muted", text: "소비자 없음 (no consumer)" })]));
			list.appendChild(
				el("li", { class: (e.compensates ? "compensation " : "") + (e.pivot ? "pivot" : ""), "data-type": e.type, "data-event-id": e.eventId, "data-at": e.at }, [
					el("div", { class: "fact" }, [el("time", { datetime: e.at, text: clock(e.at) }), el("span", { class: "type", text: e.type })].concat([el("span", { class: "producer", text: "← " + e.producer }) ], marks)),
					el("ul", { class: "outcomes", "aria-label": e.type + " 소비자 (consumers)" }, outcomes)
				])
			);
		});
		if (live && row.entries.length > before) announce("새 이벤트: " + row.last);
	}

	// ---- the panel of contexts ---------------------------------------------------------------------

	function table(caption, head, rows) {
		return el("table", {}, [
			el("caption", { class: "visually-hidden", text: caption }),
			el("thead", {}, [el("tr", {}, head.map(function (h) {
				return el("th", { scope: "col" }, [h]);
			}))]),
			el("tbody", {}, rows.map(function (cells) {
				return el("tr", {}, cells.map(function (c) {
					return el("td", {}, [c]);
				}));
			}))
		]);
	}

	function upBadge(up) {
		return up ? badge("ok", "가동", "up") : badge("bad", "중단", "down");
	}

	function loadContexts() {
		if (!state.token) return;
		var calls = [api("/api/operations/contexts")];
		if (isAdmin()) calls.push(api("/api/operations/deadletters"));
		Promise.all(calls)
			.then(function (answers) {
				renderContexts(answers[0], answers[1]);
			})
			.catch(function () {
				/* shown at the next poll */
			});
	}

	var BREAKER = { close: ["ok", "닫힘 (정상)"], open: ["bad", "열림 (차단)"], half_open: ["wait", "반열림"], half_open_wait: ["wait", "반열림 대기"] };

	function renderContexts(res, letters) {
		var box = $("contexts");
		if (res.status !== 200) {
			box.textContent = (res.body && res.body.message) || "HTTP " + res.status;
			return;
		}
		var c = res.body;
		var nodes = table(
			"노드",
			["노드 (node)", "상태", "준비 (ready)", "서비스"],
			c.nodes.map(function (n) {
				return [el("code", { text: n.id + (n.local ? " *" : "") }), upBadge(n.up), n.ready === undefined ? el("span", { class: "muted", text: "—" }) : n.ready ? badge("ok", "준비됨", "ready") : badge("bad", "준비 안 됨", "not ready"), String(n.services.length)];
			})
		);
		var services = table(
			"서비스",
			["서비스 (service)", "상태"],
			c.services.map(function (s) {
				var up = s.nodes.filter(function (n) { return n.up; }).length;
				return [el("code", { text: s.name }), up ? badge("ok", "가동 " + up + "/" + s.nodes.length, "up") : badge("bad", "중단", "down")];
			})
		);
		var breakers = c.breakers.length
			? table("회로 차단기", ["액션 (action)", "상태", "실패/요청"], c.breakers.map(function (b) {
					var look = BREAKER[b.state] || ["wait", b.state];
					return [el("code", { text: b.action }), badge(look[0], look[1], b.state), b.failures + "/" + b.requests];
				}))
			: el("p", { class: "muted", text: "아직 호출된 단계가 없습니다 (no call counted yet)" });
		var owed = c.channels.lag.filter(function (l) { return l.owed > 0; });
		var lag = owed.length
			? table("소비자 지연", ["채널 → 그룹", "대기 메시지"], owed.map(function (l) {
					return [el("code", { text: l.channel + " → " + l.group }), badge("wait", String(l.owed), "owed")];
				}))
			: el("p", {}, [badge("ok", "모두 최신", "every consumer is up to date"), " ", el("span", { class: "muted", text: c.channels.kind === "none" ? "(채널 없음)" : "(" + c.channels.kind + ")" })]);
		var dead = [el("p", {}, [c.channels.deadLetters.count ? badge("bad", "데드레터 " + c.channels.deadLetters.count, "dead letters") : badge("ok", "데드레터 없음", "no dead letter")])];
		if (letters && letters.status === 200 && letters.body.length) {
			dead.push(table("데드레터", ["id (replay <id>)", "이벤트", "그룹", "오류"], letters.body.map(function (d) {
				var e = d.payload || {};
				return [el("code", { text: d.id }), el("code", { text: (e.type || "?") + " " + ((e.data && (e.data.orderId || e.data.entryId || e.data.drawId)) || "") }), el("code", { text: d.group }), el("span", { class: "why", text: d.error })];
			})));
			dead.push(el("p", { class: "hint", text: "REPL에서 다시 보내기 (replay from the REPL): replay <id>" }));
		} else if (!isAdmin() && c.channels.deadLetters.count) {
			dead.push(el("p", { class: "hint", text: "목록은 관리자만 볼 수 있습니다 (admins see the list)." }));
		}
		box.textContent = "";
		box.appendChild(
			el("div", { class: "grid" }, [
				el("section", { "aria-label": "노드 nodes" }, [el("h3", {}, ["노드 ", en("Nodes")]), nodes]),
				el("section", { "aria-label": "서비스 services" }, [el("h3", {}, ["서비스 ", en("Services")]), services]),
				el("section", { "aria-label": "회로 차단기 circuit breakers" }, [el("h3", {}, ["회로 차단기 ", en("Circuit breakers")]), breakers]),
				el("section", { "aria-label": "소비자 지연 consumer lag" }, [el("h3", {}, ["소비자 지연 ", en("Consumer lag")]), lag]),
				el("section", { "aria-label": "데드레터 dead letters" }, [el("h3", {}, ["데드레터 ", en("Dead letters")])].concat(dead))
			])
		);
		box.appendChild(el("p", { class: "hint" }, ["노드 " + c.node + " 기준, ", el("time", { datetime: c.at, text: clock(c.at) })]));
	}

	// ---- wiring -----------------------------------------------------------------------------------

	document.addEventListener("DOMContentLoaded", function () {
		$("login-form").addEventListener("submit", login);
		$("logout").addEventListener("click", function () {
			logout();
		});
		$("system").addEventListener("change", function (e) {
			selectSystem(e.target.value);
		});
		$("open-form").addEventListener("submit", function (e) {
			e.preventDefault();
			var key = $("open-key").value.trim();
			if (key) openSaga(key, true);
		});
		var saved = sessionStorage.getItem(TOKEN_KEY);
		if (saved) start(saved);
		else $("username").focus();
	});
})();
