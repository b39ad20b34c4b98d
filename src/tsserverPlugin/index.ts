/**
 * Taskflow's TypeScript server plugin (package.json `contributes.typescriptServerPlugins`): in task
 * modules, `import ... from "taskflow"` resolves to the types of the extension's own runtime, so
 * completions, hovers and type checks work with nothing installed, no reference line, no tsconfig
 * change and nothing written into the workspace. tsserver loads it by package name from the
 * extension's folder; the build writes the package (this bundle and the module-form types beside it)
 * to `node_modules/taskflow-tsserver-plugin/`.
 *
 * No vscode import, and no value import of `typescript`: the plugin works with the TypeScript that
 * tsserver hands it, the workspace's version or VS Code's.
 */
import * as path from "node:path";
import type * as ts from "typescript/lib/tsserverlibrary";
import { isTaskModulePath, resolveTaskflowImports, TYPES_FILE_NAME } from "./resolution";

function init(modules: { typescript: typeof ts }): ts.server.PluginModule {
  const typescript = modules.typescript;
  // Beside the plugin rather than in the extension's dist/: tsserver may load the plugin through a
  // linked node_modules, and the package then still carries the types of the same build.
  const typesFile = path.join(__dirname, TYPES_FILE_NAME);

  return {
    create(info) {
      const host = info.languageServiceHost;
      const resolve = host.resolveModuleNameLiterals?.bind(host);
      if (resolve) {
        host.resolveModuleNameLiterals = (literals, containingFile, ...rest) =>
          resolveTaskflowImports(resolve(literals, containingFile, ...rest), literals.map((l) => l.text), containingFile, typesFile, typescript.Extension.Dts);
      } else {
        info.project.projectService.logger.info(`Taskflow: this TypeScript has no resolveModuleNameLiterals (5.0 or later has): "taskflow" stays unresolved`);
      }
      return info.languageService;
    },

    // Keeps the types in every project that holds a task module, so tsserver watches the file and
    // inferred projects (no tsconfig) have it as well as configured ones.
    getExternalFiles(project) {
      return project.getScriptFileNames().some(isTaskModulePath) ? [typesFile] : [];
    },
  };
}

export = init;
