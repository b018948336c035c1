/** Tests in tiers: test/unit (pure domain), test/service (one broker in process),
 *  test/cluster (real nats-server -js + redis-server, one process per context, HTTP through the gateway),
 *  test/chart (helm lint/template), test/release (the image's runtime stage replayed without Docker). `npm test` runs them all. */
module.exports = {
	testEnvironment: "node",
	roots: ["<rootDir>/test"],
	testMatch: ["**/*.test.ts"],
	transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
	setupFiles: ["<rootDir>/test/setup-env.ts"],
	testTimeout: 120000,
	verbose: false
};
