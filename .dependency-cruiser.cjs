/**
 * The layers of the tree and the one direction their imports may go (checked in `npm test` and CI by
 * `npm run lint:imports`; docs/adding-a-system.md explains them):
 *
 *   domain/        the shared kernel                      imports nothing
 *   services/<system>/*.domain.ts, *.view.ts, events.ts   a system's domain: only domain/ and its own domain
 *   config/        reads the environment                   domain/ only
 *   lib/           libraries (access, contracts, OpenAPI, tokens, errors, adapters)
 *   middlewares/   broker middlewares                      lib/, config/, domain/
 *   mixins/        building blocks of contexts             middlewares/, lib/, config/, domain/
 *   services/      systems, gateway, identity              everything below; a system never imports another
 *   services/timeline/  a generic context over every system   the manifests (services/systems.ts), no system's insides
 *   moleculer.config.ts, scripts/, bench/, test/           on top
 */
const BELOW_LIB = "^(middlewares|mixins|services|scripts|bench|test)/|^moleculer\\.config\\.ts$";

module.exports = {
	forbidden: [
		{
			name: "kernel-imports-nothing",
			comment: "domain/ is the shared kernel: plain TypeScript, no import from anywhere else (not even Moleculer).",
			severity: "error",
			from: { path: "^domain/" },
			to: { pathNot: "^domain/" }
		},
		{
			name: "domain-modules-are-pure",
			comment: "A system's domain (state machines, invariants, folds, its events) imports only the kernel and its own domain: no Moleculer, no block.",
			severity: "error",
			from: { path: "^services/([^/]+)/([^/]+\\.(domain|view)|events)\\.ts$" },
			to: { pathNot: ["^domain/", "^services/$1/([^/]+\\.(domain|view)|events)\\.ts$"] }
		},
		{
			name: "config-only-reads-the-environment",
			comment: "config/ is the ground floor: it reads the environment into typed settings and imports nothing but the kernel.",
			severity: "error",
			from: { path: "^config/" },
			to: { pathNot: ["^config/", "^domain/"] }
		},
		{
			name: "libraries-know-no-runtime",
			comment: "lib/ holds libraries: they import the kernel and config/, never middlewares, blocks or services.",
			severity: "error",
			from: { path: "^lib/" },
			to: { path: BELOW_LIB }
		},
		{
			name: "middlewares-know-no-blocks",
			comment: "middlewares/ wrap the broker: they may use lib/, config/ and the kernel, never the blocks or the services.",
			severity: "error",
			from: { path: "^middlewares/" },
			to: { path: "^(mixins|services|scripts|bench|test)/|^moleculer\\.config\\.ts$" }
		},
		{
			name: "blocks-know-no-services",
			comment: "mixins/ are the building blocks every context is made of: they never import a system, the gateway or identity.",
			severity: "error",
			from: { path: "^mixins/" },
			to: { path: "^(services|scripts|bench|test)/|^moleculer\\.config\\.ts$" }
		},
		{
			name: "systems-are-separate",
			comment: "A system talks to another only by events and actions, never by import; it may use the manifest type (services/system.ts).",
			severity: "error",
			from: { path: "^services/([^/]+)/", pathNot: "^services/(gateway|identity|timeline)/" },
			to: { path: "^services/", pathNot: ["^services/$1/", "^services/system\\.ts$"] }
		},
		{
			name: "generic-contexts-read-only-manifests",
			comment: "The timeline is generic over the systems: it reads their manifests (services/systems.ts), never a system's own modules.",
			severity: "error",
			from: { path: "^services/timeline/" },
			to: { path: "^services/", pathNot: ["^services/timeline/", "^services/systems?\\.ts$"] }
		},
		{
			name: "nothing-imports-the-gateway",
			comment: "The gateway is the top of the services: nothing but the tests imports it.",
			severity: "error",
			from: { path: "^(domain|config|lib|middlewares|mixins|services)/", pathNot: "^services/gateway/" },
			to: { path: "^services/gateway/" }
		},
		{
			name: "identity-internals-stay-inside",
			comment: "The gateway verifies tokens with lib/tokens.ts and documents identity's routes with its openapi.ts; identity's keys, accounts and grants are its own.",
			severity: "error",
			from: { path: "^services/", pathNot: "^services/identity/" },
			to: { path: "^services/identity/", pathNot: "^services/identity/openapi\\.ts$" }
		},
		{
			name: "production-code-does-not-import-tests",
			severity: "error",
			from: { path: "^(domain|config|lib|middlewares|mixins|services|scripts|bench)/|^moleculer\\.config\\.ts$" },
			to: { path: "^test/" }
		},
		{
			name: "no-circular",
			comment: "Runtime import cycles (type-only imports do not count: they vanish when compiled).",
			severity: "error",
			from: {},
			to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } }
		}
	],
	options: {
		doNotFollow: { path: "node_modules" },
		exclude: { path: "^(dist|node_modules)/" },
		tsPreCompilationDeps: true,
		tsConfig: { fileName: "tsconfig.json" },
		enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"], extensions: [".ts", ".js", ".json"] }
	}
};
