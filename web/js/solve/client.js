// @ts-check
// The page's side of the solver worker: each request gets an id and a
// promise; step reports of a running solve go to its callback.

/**
 * @typedef {object} BackendInfo
 * @property {"webgpu" | "cpu"} backend
 * @property {string} adapter
 * @property {string | null} fallbackReason why "auto" fell back to the CPU
 *
 * @typedef {object} ModelInfo
 * @property {string} name
 * @property {string} family
 * @property {boolean} trained false for the embedded default, whose weights are random
 * @property {number} parameters
 * @property {number} haltMaxSteps
 *
 * @typedef {object} Prediction
 * @property {number} augmentation
 * @property {number[][] | null} grid the prediction in the task's frame, null when it crops to nothing
 * @property {number} qHalt sigmoid of the q_halt logit
 * @property {boolean} halted
 *
 * @typedef {object} StepReport
 * @property {number} step
 * @property {number} steps
 * @property {number} firstAugmentation
 * @property {number} augmentations
 * @property {number} progress 0 to 1 over all augmentations and steps
 * @property {Prediction[]} predictions
 *
 * @typedef {object} SolveResult
 * @property {[number[][], number[][]] | null} attempts
 * @property {{ grid: number[][] | null, votes: number, meanConfidence: number }[]} tally
 * @property {number[]} stepsUsed
 *
 * @typedef {object} FinetuneProgress
 * @property {number} step
 * @property {number} steps
 * @property {number} loss the official loss per example on the step's demonstrations
 * @property {number} lmLoss its cross-entropy part, without the q_halt term
 * @property {number} accuracy share of right tokens
 * @property {number} exactAccuracy share of demonstrations with every token right
 * @property {boolean} isBest
 * @property {number} elapsedMs
 *
 * @typedef {object} FinetuneSummary
 * @property {number} stepsRun
 * @property {"steps" | "timeBudget" | "cancelled"} stopped
 * @property {FinetuneProgress | null} best the step whose state was kept
 * @property {number} augmentations
 *
 * @typedef {object} FinetuneOptions
 * @property {number} [steps]
 * @property {number} [timeBudgetMs]
 * @property {number} [augmentations]
 * @property {"embedding" | "full"} [mode]
 * @property {number} [lr]
 * @property {number} [batchSize]
 * @property {boolean} [translate]
 * @property {number} [seed]
 *
 * @typedef {object} SudokuStep
 * @property {number} step
 * @property {number} steps
 * @property {string} board the predicted board, 81 characters, "." where no digit is predicted
 * @property {number} qHalt sigmoid of the q_halt logit
 *
 * @typedef {object} SudokuVerdict
 * @property {string} board the last step's board
 * @property {boolean} solved whether it is complete, breaks no rule and keeps every given
 * @property {number} blanks
 * @property {number} conflicts pairs of equal digits in one row, column or box
 * @property {number} changedGivens
 * @property {number} steps
 *
 * @typedef {object} MazeStep
 * @property {number} step
 * @property {number} steps
 * @property {string} maze the predicted board, 900 characters of "# SGo", "?" where the model predicts PAD
 * @property {number} qHalt sigmoid of the q_halt logit
 *
 * @typedef {object} MazeVerdict
 * @property {string} maze the last step's board
 * @property {boolean} solved whether its path is a shortest path from S to G and nothing else changed
 * @property {string | null} problem why it is not, when it is not
 * @property {number} pathCells
 * @property {number} shortest steps on a shortest path
 * @property {number} steps
 *
 * @typedef {object} ProfileRow one part of the TRM block, timed per ACT step
 * @property {string} part
 * @property {number} calls calls one ACT step makes
 * @property {number} timedCalls calls timed, scaled to `calls`
 * @property {boolean} nested whether the row above contains this part
 * @property {boolean} inStep whether the part belongs to the forward ACT step (attention with its gradient, as fine-tuning runs it, does not)
 * @property {number} offMs with Ponder's WGSL kernels off
 * @property {number} onMs with them on
 *
 * @typedef {object} ProfileReport
 * @property {number} batch
 * @property {boolean} fusion whether the build runs burn's fusion, where the kernels never run
 * @property {ProfileRow[]} parts
 * @property {number | undefined} stepOffMs the whole ACT step with the kernels off, when timed
 * @property {number | undefined} stepOnMs the same with them on
 */

export class SolverClient {
  /** @type {Worker} */
  #worker;
  #nextId = 1;
  /** @type {Map<number, { resolve: (value: any) => void, reject: (error: Error) => void, onStep?: (report: any) => void }>} */
  #pending = new Map();

  constructor() {
    this.#worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module", name: "ponder-solver" });
    this.#worker.addEventListener("message", (event) => this.#receive(event.data));
    this.#worker.addEventListener("error", (event) => {
      const error = new Error(`the solver worker failed: ${event.message || "unknown error"}`);
      for (const pending of this.#pending.values()) pending.reject(error);
      this.#pending.clear();
    });
  }

  /** Stops the worker and fails whatever it was still doing; the client cannot be used again. */
  terminate() {
    this.#worker.terminate();
    const error = new Error("the solver worker was stopped");
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }

  /**
   * @param {"webgpu" | "cpu" | "auto"} backend
   * @returns {Promise<BackendInfo>}
   */
  init(backend) {
    return this.#request({ type: "init", backend });
  }

  /** @returns {Promise<ModelInfo>} */
  loadDefaultModel() {
    return this.#request({ type: "load-default" });
  }

  /**
   * Loads the released ARC-AGI-1 shape with untrained weights, the model the bench page times.
   * @returns {Promise<ModelInfo>}
   */
  loadArcAgi1Shape() {
    return this.#request({ type: "load-arc-agi-1-shape" });
  }

  /**
   * @param {string} config the model's config as JSON
   * @param {ArrayBuffer} weights `.safetensors` or `.pt` bytes
   * @param {string} fileName
   * @param {ArrayBuffer} [meanRow] `mean.safetensors` from `ponder convert`
   * @returns {Promise<ModelInfo>}
   */
  loadModel(config, weights, fileName, meanRow) {
    return this.#request({ type: "load-model", config, weights, fileName, meanRow }, [weights]);
  }

  /**
   * Loads one task's puzzle-embedding shard for the loaded model; `solve` with
   * `taskId` set to that task then uses its rows.
   * @param {ArrayBuffer} bytes a `puzzle_emb/tasks/*.safetensors` file
   * @param {string} fileName
   * @returns {Promise<{ taskId: string, rows: number }>}
   */
  loadEmbeddingShard(bytes, fileName) {
    return this.#request({ type: "load-shard", bytes, fileName }, [bytes]);
  }

  /**
   * Solves one test input. Aborting `signal` rejects the promise with
   * "solving was cancelled" after the current ACT step.
   * @param {string} taskJson
   * @param {number} testIndex
   * @param {{ augmentations?: number, steps?: number, earlyHalting?: boolean, batchSize?: number, seed?: number, taskId?: string }} options
   * @param {(report: StepReport) => void} onStep
   * @param {AbortSignal} [signal]
   * @returns {Promise<SolveResult>}
   */
  solve(taskJson, testIndex, options, onStep, signal) {
    return this.#cancellable({ type: "solve", task: taskJson, testIndex, options }, onStep, signal);
  }

  /**
   * Fine-tunes the loaded model on the task's demonstrations; `solve` then
   * uses what it learned for this task. Aborting `signal` stops it after the
   * current step, keeping the best step so far, and the promise still resolves.
   * @param {string} taskJson
   * @param {FinetuneOptions} options
   * @param {(progress: FinetuneProgress) => void} onStep
   * @param {AbortSignal} [signal]
   * @returns {Promise<FinetuneSummary>}
   */
  finetune(taskJson, options, onStep, signal) {
    return this.#cancellable({ type: "finetune", task: taskJson, options }, onStep, signal);
  }

  /**
   * Loads the model that `solveSudoku` uses, beside the ARC model.
   * @param {string} config the model's config as JSON; `seq_len` 81 and `vocab_size` 11
   * @param {ArrayBuffer} weights `.safetensors` or `.pt` bytes
   * @param {string} fileName
   * @returns {Promise<ModelInfo>}
   */
  loadSudokuModel(config, weights, fileName) {
    return this.#request({ type: "load-sudoku-model", config, weights, fileName }, [weights]);
  }

  /**
   * Loads the model that `solveMaze` uses, beside the others.
   * @param {string} config the model's config as JSON; `seq_len` 900 and `vocab_size` 6
   * @param {ArrayBuffer} weights `.safetensors` or `.pt` bytes
   * @param {string} fileName
   * @returns {Promise<ModelInfo>}
   */
  loadMazeModel(config, weights, fileName) {
    return this.#request({ type: "load-maze-model", config, weights, fileName }, [weights]);
  }

  /**
   * Loads Ponder's maze architecture with untrained weights from a fixed seed, for `solveMaze`.
   * @returns {Promise<ModelInfo>}
   */
  loadUntrainedMazeModel() {
    return this.#request({ type: "load-untrained-maze-model" });
  }

  /**
   * Runs the maze model's ACT steps on `maze` (900 characters of "# SGo").
   * Aborting `signal` rejects with "solving was cancelled" after the current step.
   * @param {string} maze
   * @param {number | undefined} steps ACT steps; the model's `halt_max_steps` when undefined
   * @param {(report: MazeStep) => void} onStep
   * @param {AbortSignal} [signal]
   * @returns {Promise<MazeVerdict>}
   */
  solveMaze(maze, steps, onStep, signal) {
    return this.#cancellable({ type: "solve-maze", maze, steps }, onStep, signal);
  }

  /**
   * Runs the Sudoku model's ACT steps on `puzzle` (81 characters, 1-9 and
   * "." or "0"). Aborting `signal` rejects with "solving was cancelled" after
   * the current step.
   * @param {string} puzzle
   * @param {number | undefined} steps ACT steps; the model's `halt_max_steps` when undefined
   * @param {(report: SudokuStep) => void} onStep
   * @param {AbortSignal} [signal]
   * @returns {Promise<SudokuVerdict>}
   */
  solveSudoku(puzzle, steps, onStep, signal) {
    return this.#cancellable({ type: "solve-sudoku", puzzle, steps }, onStep, signal);
  }

  /**
   * Times the parts of one ACT step of the loaded model with the kernels off
   * and on. Aborting `signal` rejects with "profiling was cancelled" after the
   * current timed run.
   * @param {{ batch?: number, sampleCalls?: number, wholeStep?: boolean }} options
   * @param {(row: ProfileRow) => void} onPart
   * @param {AbortSignal} [signal]
   * @returns {Promise<ProfileReport>}
   */
  profile(options, onPart, signal) {
    return this.#cancellable({ type: "profile", options }, onPart, signal);
  }

  /**
   * Sends a request that `signal` can cancel: aborting it sends the worker a cancel message.
   * @param {Record<string, unknown>} message
   * @param {(report: any) => void} onStep
   * @param {AbortSignal} [signal]
   */
  #cancellable(message, onStep, signal) {
    const id = this.#nextId;
    const promise = this.#request(message, [], onStep);
    const cancel = () => this.#worker.postMessage({ type: "cancel", id: 0, solveId: id });
    // A signal that aborted before the call fires no "abort" event.
    if (signal?.aborted) cancel();
    else signal?.addEventListener("abort", cancel, { once: true });
    return promise;
  }

  /**
   * @param {Record<string, unknown>} message
   * @param {Transferable[]} [transfer]
   * @param {(report: any) => void} [onStep]
   */
  #request(message, transfer = [], onStep) {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, onStep });
      this.#worker.postMessage({ ...message, id }, transfer);
    });
  }

  /** @param {any} message */
  #receive(message) {
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    if (message.type === "step") {
      pending.onStep?.(message.report);
      return;
    }
    this.#pending.delete(message.id);
    if (message.type === "result") pending.resolve(message.result);
    else pending.reject(new Error(message.message));
  }
}
