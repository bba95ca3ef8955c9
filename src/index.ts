/** qedisk's browser entry point. The page API arrives with the browser component. */
export * from './engine/index.ts';
export { MemoryFile } from './backends/memory-file.ts';
