/** The pure QED codec: constants, byte helpers, header, geometry, tables and typed errors. */
export * from './constants.ts';
export * from './errors.ts';
export * from './bytes.ts';
export * from './geometry.ts';
export * from './header.ts';
export * from './table.ts';
