// The layers of edgec, bottom to top: ir <- ops <- passes <- backends <- compiler.
// A layer imports only the layers below it; a backend imports only ir/ and its own folder.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: "ir-imports-up", severity: "error", comment: "ir/ is the bottom layer",
      from: { path: "^ir/" }, to: { path: "^(ops|passes|backends|compiler)/" } },
    { name: "ops-imports-up", severity: "error", comment: "ops/ imports only ir/",
      from: { path: "^ops/" }, to: { path: "^(passes|backends|compiler)/" } },
    { name: "passes-imports-up", severity: "error", comment: "passes/ imports only ir/ and ops/",
      from: { path: "^passes/" }, to: { path: "^(backends|compiler)/" } },
    { name: "backend-imports-above-ir", severity: "error", comment: "a backend prints or builds IR: it imports ir/ and its own folder",
      from: { path: "^backends/" }, to: { path: "^(ops|passes|compiler)/" } },
    { name: "backend-imports-other-backend", severity: "error", comment: "backends do not import each other",
      from: { path: "^backends/([^/]+)/" }, to: { path: "^backends/", pathNot: "^backends/$1/" } },
    { name: "no-circular-layers", severity: "error", comment: "no import cycle crosses a layer boundary",
      from: { path: "^(ir|ops|passes|backends)/" }, to: { circular: true, pathNot: "^$1/" } },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    combinedDependencies: false,
  },
};
