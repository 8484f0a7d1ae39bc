// What `import wasm from './x.wasm'` gives in workerd and edge bundlers: a compiled module.
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
