//! A matmul with known values that proves a backend computes: the first thing
//! the page runs, and what the browser tests check on each backend.

use burn::tensor::{Tensor, TensorData};
use serde::Serialize;

use crate::backend::{Backend, BackendChoice};

/// A = [[1, 2, 3], [4, 5, 6]] (2x3) times B = [[7, 8], [9, 10], [11, 12]] (3x2).
pub const SMOKE_A: [f32; 6] = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
pub const SMOKE_B: [f32; 6] = [7.0, 8.0, 9.0, 10.0, 11.0, 12.0];

/// The result of the smoke computation and where it ran.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SmokeReport {
    pub backend: Backend,
    pub adapter: String,
    pub fallback_reason: Option<String>,
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

#[derive(Debug, thiserror::Error)]
#[error("reading the smoke result back from the {backend} backend failed: {message}")]
pub struct SmokeError {
    backend: Backend,
    message: String,
}

/// Multiplies `SMOKE_A` by `SMOKE_B` on the chosen device and reads the 2x2
/// product back asynchronously, as the browser requires.
pub async fn smoke_matmul(choice: &BackendChoice) -> Result<SmokeReport, SmokeError> {
    let device = &choice.device;
    let a = Tensor::<2>::from_data(TensorData::new(SMOKE_A.to_vec(), [2, 3]), device);
    let b = Tensor::<2>::from_data(TensorData::new(SMOKE_B.to_vec(), [3, 2]), device);

    // [2, 2]
    let product = a.matmul(b);

    let data = product.into_data_async().await.map_err(|error| SmokeError {
        backend: choice.backend,
        message: format!("{error:?}"),
    })?;
    let values = data.try_to_vec::<f32>().map_err(|error| SmokeError {
        backend: choice.backend,
        message: format!("{error:?}"),
    })?;

    Ok(SmokeReport {
        backend: choice.backend,
        adapter: choice.adapter.clone(),
        fallback_reason: choice.fallback_reason.clone(),
        shape: data.shape().to_vec(),
        values,
    })
}
