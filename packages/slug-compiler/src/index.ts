export { createSlugCompiler } from './compiler.js';
export type { SlugCompilerDeps } from './compiler.js';
export { DEFAULT_BUILD_LIMITS } from './limits.js';
export { DEFAULT_BUILDPACKS_DIR } from './layout.js';
export { slugImageTag } from './slug-image.js';
export type { BuildLimits, BuildOutput, CompileRequest, CompiledSlug, SlugCompiler, SlugCompilerOptions } from './types.js';
