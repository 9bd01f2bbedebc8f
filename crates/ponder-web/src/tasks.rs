//! Task files from JavaScript: parsed and validated by `ponder-tasks`, so the
//! page shows the same messages as `ponder check`.

use ponder_tasks::Task;
use wasm_bindgen::prelude::*;

/// Parses a single-task ARC JSON text and resolves to `{ train, test }` with
/// grids as arrays of rows. `id` names the task in messages.
///
/// On invalid input it throws an `Error` whose message lists every problem,
/// one per line, and whose `problems` property holds the same lines as an array.
#[wasm_bindgen(js_name = parseTask)]
pub fn parse_task(id: &str, text: &str) -> Result<JsValue, JsValue> {
    match Task::from_json(id, text) {
        Ok(task) => serde_wasm_bindgen::to_value(&task).map_err(|error| JsError::new(&error.to_string()).into()),
        Err(problems) => {
            let error = js_sys::Error::new(&problems.to_string());
            let lines = js_sys::Array::new();
            for problem in &problems.0 {
                lines.push(&JsValue::from_str(&problem.to_string()));
            }
            // Setting a property on a fresh Error object cannot fail.
            let _ = js_sys::Reflect::set(&error, &JsValue::from_str("problems"), &lines);
            Err(error.into())
        }
    }
}
