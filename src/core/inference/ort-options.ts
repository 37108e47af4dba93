/**
 * The Worker's onnxruntime-web session options, in a module that imports no
 * ORT, so that the pipeline and the benchmarks (in Node) create sessions
 * exactly as the Worker does.
 */

/**
 * Session options that decide the Wasm heap. Arena, memory pattern and
 * prepacking do not shrink it at Emscripten's growth granularity, so they are
 * off for the smallest steady state; graph optimization 'all' beats 'basic'
 * because its fusions drop intermediate tensors (figures: docs/memory.md).
 */
export interface OrtSessionOptions {
  graphOptimizationLevel: 'disabled' | 'basic' | 'extended' | 'all'
  enableCpuMemArena: boolean
  enableMemPattern: boolean
  /** pre-packed weight copies (faster MatMul, more memory) */
  prepacking: boolean
}

export const DEFAULT_SESSION_OPTIONS: OrtSessionOptions = {
  graphOptimizationLevel: 'all',
  enableCpuMemArena: false,
  enableMemPattern: false,
  prepacking: false,
}

/** onnxruntime-web's `InferenceSession.SessionOptions` for these options (structurally typed: no ORT import here). */
export function webSessionOptions(o: OrtSessionOptions): {
  executionProviders: ['wasm']
  graphOptimizationLevel: OrtSessionOptions['graphOptimizationLevel']
  enableCpuMemArena: boolean
  enableMemPattern: boolean
  extra: { session: { disable_prepacking: '0' | '1' } }
} {
  return {
    executionProviders: ['wasm'],
    graphOptimizationLevel: o.graphOptimizationLevel,
    enableCpuMemArena: o.enableCpuMemArena,
    enableMemPattern: o.enableMemPattern,
    // ORT config key kOrtSessionOptionsConfigDisablePrepacking ("session.disable_prepacking")
    extra: { session: { disable_prepacking: o.prepacking ? '0' : '1' } },
  }
}

/**
 * The options for one version's graph. `publish` saves onnxruntime's
 * `extended` optimizations into the served graph (manifest
 * `graph_optimization: 'extended'`); the optimizer would find nothing left to
 * do in it, and skipping its passes roughly halves session creation, with the
 * same logits (docs/benchmarks.md, "The first request"). Any other graph gets
 * `DEFAULT_SESSION_OPTIONS`, whose full optimization is what keeps its heap small.
 */
export function sessionOptionsFor(graphOptimization: 'extended' | 'none' | undefined): OrtSessionOptions {
  return graphOptimization === 'extended' ? { ...DEFAULT_SESSION_OPTIONS, graphOptimizationLevel: 'disabled' } : DEFAULT_SESSION_OPTIONS
}
