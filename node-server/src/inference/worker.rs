//! One slot's thread: it owns a llama.cpp context (which borrows the shared model) and runs the slot's
//! generations one after another, off the async runtime.

use std::num::NonZeroU32;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::thread;

use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::LlamaModel;

use super::backend::backend;
use super::generate::Generation;
use super::model::LoadedModel;
use super::slots::SlotLease;
use super::{EngineError, GenerationEvent};

/// Context parameters, identical for every slot.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ContextSettings {
    pub(crate) n_ctx: NonZeroU32,
    pub(crate) n_batch: u32,
    pub(crate) threads: i32,
}

impl ContextSettings {
    fn params(self) -> LlamaContextParams {
        LlamaContextParams::default()
            .with_n_ctx(Some(self.n_ctx))
            .with_n_batch(self.n_batch)
            .with_n_ubatch(self.n_batch)
            .with_n_seq_max(1)
            .with_n_threads(self.threads)
            .with_n_threads_batch(self.threads)
    }
}

/// Work for a slot: the lease is released once the generation has finished.
#[derive(Debug)]
pub(crate) struct SlotJob {
    pub(crate) lease: SlotLease,
    pub(crate) generation: Generation,
}

/// A running slot thread. Dropping it lets the thread exit after its current generation.
#[derive(Debug)]
pub(crate) struct Worker {
    jobs: Sender<SlotJob>,
}

impl Worker {
    /// Starts the thread and waits until its context exists.
    ///
    /// Call this for one slot at a time: llama.cpp contexts must not be created concurrently from one model.
    pub(crate) fn spawn(
        model: Arc<LoadedModel>,
        id: usize,
        settings: ContextSettings,
    ) -> Result<Self, EngineError> {
        let (ready_tx, ready_rx) = sync_channel(1);
        let (jobs, jobs_rx) = channel();
        thread::Builder::new()
            .name(format!("llama-slot-{id}"))
            .spawn(move || run(&model.llama, settings, &ready_tx, &jobs_rx))
            .map_err(|e| EngineError::ModelLoad(format!("cannot start a slot thread: {e}")))?;
        ready_rx.recv().map_err(|_| {
            EngineError::ModelLoad("a slot thread stopped while creating its context".into())
        })??;
        Ok(Self { jobs })
    }

    /// Hands a job to the slot thread.
    pub(crate) fn submit(&self, job: SlotJob) -> Result<(), EngineError> {
        self.jobs
            .send(job)
            .map_err(|_| EngineError::Inference("the slot's thread has stopped".into()))
    }
}

fn run(
    model: &LlamaModel,
    settings: ContextSettings,
    ready: &SyncSender<Result<(), EngineError>>,
    jobs: &Receiver<SlotJob>,
) {
    let created = backend().and_then(|backend| {
        model
            .new_context(backend, settings.params())
            .map_err(|e| EngineError::ModelLoad(format!("cannot create a context: {e}")))
    });
    let mut ctx = match created {
        Ok(ctx) => ctx,
        Err(error) => {
            let _ = ready.send(Err(error));
            return;
        }
    };
    let mut batch = LlamaBatch::new(settings.n_batch as usize, 1);
    let _ = ready.send(Ok(()));
    // Ends when the engine drops its sender.
    for SlotJob { lease, generation } in jobs {
        let events = generation.events.clone();
        // A panic must not take the slot down with it: the next job clears the context anyway.
        if catch_unwind(AssertUnwindSafe(|| {
            generation.run(model, &mut ctx, &mut batch)
        }))
        .is_err()
        {
            tracing::error!(slot = lease.id(), "generation panicked");
            let failed = EngineError::Inference("generation panicked".into());
            let _ = events.blocking_send(GenerationEvent::Failed(failed));
        }
        drop(events);
        drop(lease);
    }
}
