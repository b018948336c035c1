/** Metric names the chart's Grafana dashboard and alerting rules query, and the names a Prometheus text exposes. */
import fs from "node:fs";
import path from "node:path";
import { parse } from "yaml";

const DASHBOARD = path.join(__dirname, "..", "..", "helm", "moleculer-systems", "dashboards", "moleculer-systems.json");

/** Every metric name in the dashboard's queries (panel targets and template variables). */
export function dashboardMetricNames(): string[] {
	const text = fs.readFileSync(DASHBOARD, "utf8");
	const exprs = [...text.matchAll(/"(?:expr|query|definition)": "((?:[^"\\]|\\.)*)"/g)].map(m => m[1]).join("\n");
	return metricNamesIn(exprs);
}

/** The metric names (ours and the NATS exporter's) a set of PromQL expressions uses, sorted. */
function metricNamesIn(exprs: string): string[] {
	return [...new Set([...exprs.matchAll(/\b((?:moleculer|jetstream)_[A-Za-z0-9_]+)/g)].map(m => m[1]))].sort();
}

/** Metric names (with their _bucket/_sum/… suffixes) present in a Prometheus text. */
export function exposedMetricNames(text: string): Set<string> {
	return new Set(
		text
			.split("\n")
			.filter(l => l && !l.startsWith("#"))
			.map(l => l.split(/[{ ]/)[0])
	);
}

const ALERTS = path.join(__dirname, "..", "..", "helm", "moleculer-systems", "alerts", "moleculer-systems.rules.yaml");

export interface AlertRule {
	alert: string;
	expr: string;
	for?: string;
	labels?: Record<string, string>;
	annotations?: Record<string, string>;
}

/** The chart's alerting rules (a Prometheus rules file), as parsed YAML. */
export function alertRules(): { groups: { name: string; rules: AlertRule[] }[] } {
	return parse(fs.readFileSync(ALERTS, "utf8")) as { groups: { name: string; rules: AlertRule[] }[] };
}

/** Every metric name the alerting rules' expressions use. */
export function alertMetricNames(): string[] {
	return metricNamesIn(
		alertRules()
			.groups.flatMap(g => g.rules.map(r => r.expr))
			.join("\n")
	);
}
