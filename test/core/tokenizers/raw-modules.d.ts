// Vite's `?raw` imports (used by the workerd test to bring tokenizer files in as text).
declare module '*?raw' {
  const text: string
  export default text
}
