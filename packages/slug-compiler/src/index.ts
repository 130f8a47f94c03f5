export type { BuildLimits, BuildOutput, CompileRequest, CompiledSlug, SlugCompiler, SlugCompilerOptions } from './types.js';
