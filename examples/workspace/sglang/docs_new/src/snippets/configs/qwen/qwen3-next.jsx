// Qwen3-Next cookbook config. Example workspace stand-in in the shape of SGLang's
// docs_new/src/snippets/configs/<org>/<model>.jsx, written for track-models.
export const config = {
  modelName: "Qwen3-Next",
  supportedHardware: ["h200", "b200"],
  variants: [
    { id: "instruct", label: "Instruct" },
    { id: "thinking", label: "Thinking" },
  ],
  modelNames: {
    "instruct|bf16": "Qwen/Qwen3-Next-80B-A3B-Instruct",
    "thinking|bf16": "Qwen/Qwen3-Next-80B-A3B-Thinking",
  },
  cells: [
    {
      match: { hw: "h200", variant: "instruct", quant: "bf16", strategy: "low-latency", nodes: "single" },
      env: [],
      flags: ["--model-path {{MODEL_NAME}}", "--tp 4"],
    },
    {
      match: { hw: "h200", variant: "thinking", quant: "bf16", strategy: "low-latency", nodes: "single" },
      env: [],
      flags: ["--model-path {{MODEL_NAME}}", "--tp-size 4", "--reasoning-parser qwen3"],
    },
    {
      match: { hw: "b200", variant: "thinking", quant: "bf16", strategy: "high-throughput", nodes: "single" },
      env: [],
      flags: ["--model-path {{MODEL_NAME}}", "--tp 2", "--ep 2"],
    },
  ],
};
