//! Promise variants of CPU-heavy calls: the work runs on the libuv thread pool as an `AsyncTask`,
//! and a core error rejects the Promise with the same coded `Error` the synchronous call throws.

use std::panic::{AssertUnwindSafe, catch_unwind};

use confide_core::ErrorCode;
use napi::bindgen_prelude::{AsyncTask, ToNapiValue, TypeName};
use napi::{Env, Task};

use crate::error::{Code, JsErr, rejection};

/// Work for the thread pool: a closure producing a value or a coded error.
type Work<T> = Box<dyn FnOnce() -> Result<T, JsErr> + Send>;

/// One call run off the JS thread.
pub struct CoreTask<T> {
    work: Option<Work<T>>,
}

/// An `AsyncTask` (a Promise on the JS side) running `work` on the thread pool.
pub fn spawn<T, F>(work: F) -> AsyncTask<CoreTask<T>>
where
    T: ToNapiValue + TypeName + Send + 'static,
    F: FnOnce() -> Result<T, JsErr> + Send + 'static,
{
    AsyncTask::new(CoreTask {
        work: Some(Box::new(work)),
    })
}

impl<T> Task for CoreTask<T>
where
    T: ToNapiValue + TypeName + Send + 'static,
{
    type Output = Result<T, JsErr>;
    type JsValue = T;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let Some(work) = self.work.take() else {
            return Ok(Err(internal_error("the task ran twice")));
        };
        // A panic must not unwind into libuv; the core does not panic on input, so this is a bug.
        Ok(catch_unwind(AssertUnwindSafe(work))
            .unwrap_or_else(|_| Err(internal_error("the task panicked"))))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<T> {
        output.map_err(|error| rejection(&env, error))
    }
}

fn internal_error(reason: &str) -> JsErr {
    napi::Error::new(
        Code(ErrorCode::Internal),
        format!("internal error: {reason}"),
    )
}
