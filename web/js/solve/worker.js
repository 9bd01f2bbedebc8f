// @ts-check
// The solver's Web Worker: owns the wasm module's Solver, so that loading a
// model and running ACT steps never block the page. Messages in and out are
// described in client.js.

import init, { Solver } from "../../ponder-web.js";

/** @type {Solver | null} */
let solver = null;
/** @type {Map<number, AbortController>} */
const running = new Map();

/** @param {unknown} error */
function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}

/** @param {any} request */
async function handle(request) {
  switch (request.type) {
    case "init": {
      await init();
      solver = await Solver.create(request.backend);
      return { backend: solver.backend, adapter: solver.adapter, fallbackReason: solver.fallbackReason ?? null };
    }
    case "load-default":
      return requireSolver().loadDefaultModel();
    case "load-arc-agi-1-shape":
      return requireSolver().loadArcAgi1Shape();
    case "load-model":
      return requireSolver().loadModel(
        request.config,
        new Uint8Array(request.weights),
        request.fileName,
        request.meanRow ? new Uint8Array(request.meanRow) : undefined,
      );
    case "load-shard":
      return requireSolver().loadEmbeddingShard(new Uint8Array(request.bytes), request.fileName);
    case "solve":
      return cancellable(request, (onReport, signal) =>
        requireSolver().solve(request.task, request.testIndex, request.options, onReport, signal),
      );
    case "finetune":
      return cancellable(request, (onReport, signal) =>
        requireSolver().finetune(request.task, request.options, onReport, signal),
      );
    case "load-sudoku-model":
      return requireSolver().loadSudokuModel(request.config, new Uint8Array(request.weights), request.fileName);
    case "solve-sudoku":
      return cancellable(request, (onReport, signal) =>
        requireSolver().solveSudoku(request.puzzle, request.steps, onReport, signal),
      );
    case "load-maze-model":
      return requireSolver().loadMazeModel(request.config, new Uint8Array(request.weights), request.fileName);
    case "load-untrained-maze-model":
      return requireSolver().loadUntrainedMazeModel();
    case "solve-maze":
      return cancellable(request, (onReport, signal) =>
        requireSolver().solveMaze(request.maze, request.steps, onReport, signal),
      );
    case "profile":
      return cancellable(request, (onReport, signal) =>
        requireSolver().profile(request.options, onReport, signal),
      );
    case "cancel":
      running.get(request.solveId)?.abort();
      return null;
    default:
      throw new Error(`unknown solver request type ${JSON.stringify(request.type)}`);
  }
}

/**
 * Runs a long request so that a "cancel" message with its id aborts it.
 * `start` receives the callback that posts each progress report, and the signal.
 * @param {any} request
 * @param {(onReport: (report: unknown) => void, signal: AbortSignal) => Promise<unknown>} start
 */
async function cancellable(request, start) {
  const controller = new AbortController();
  running.set(request.id, controller);
  try {
    return await start((report) => postMessage({ type: "step", id: request.id, report }), controller.signal);
  } finally {
    running.delete(request.id);
  }
}

function requireSolver() {
  if (!solver) throw new Error("the solver is not initialised yet");
  return solver;
}

addEventListener("message", async (event) => {
  const request = event.data;
  try {
    const result = await handle(request);
    postMessage({ type: "result", id: request.id, result });
  } catch (error) {
    postMessage({ type: "error", id: request.id, message: messageOf(error) });
  }
});
