// A plain webpack 5 production build of main.js; the disk worker comes from qedisk's
// `new Worker(new URL('./disk-worker.js', import.meta.url))`, which webpack bundles as a worker.
import { fileURLToPath } from 'node:url';

export default {
  mode: 'production',
  entry: './main.js',
  output: { path: fileURLToPath(new URL('./dist', import.meta.url)), filename: 'main.js', clean: true },
  devtool: 'source-map',
};
