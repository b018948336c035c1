/** ioredis connection options from a redis:// or rediss:// URL (REDIS_URL). */
import type { RedisOptions } from "ioredis";

export function redisOptions(url: string): RedisOptions {
	const u = new URL(url);
	return {
		host: u.hostname,
		port: u.port ? Number(u.port) : 6379,
		username: u.username || undefined,
		password: u.password ? decodeURIComponent(u.password) : undefined,
		db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
		tls: u.protocol === "rediss:" ? {} : undefined
	};
}
