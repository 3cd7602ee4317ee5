//! The model shared by every slot: llama.cpp's weights and vocabulary plus the chat template.

use std::path::Path;

use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaChatTemplate, LlamaModel};
use llama_cpp_2::token::LlamaToken;

use super::backend::backend;
use super::{EngineError, PromptInput, prompt};

/// A loaded model; immutable, shared through an `Arc` by the engine and its slot threads.
#[derive(Debug)]
pub(crate) struct LoadedModel {
    pub(crate) llama: LlamaModel,
    template: LlamaChatTemplate,
}

impl LoadedModel {
    /// Loads a GGUF file (blocking).
    pub(crate) fn load(path: &Path) -> Result<Self, EngineError> {
        if !path.is_file() {
            return Err(EngineError::ModelLoad(format!(
                "{} is not a file",
                path.display()
            )));
        }
        let llama = LlamaModel::load_from_file(backend()?, path, &LlamaModelParams::default())
            .map_err(|e| {
                EngineError::ModelLoad(format!(
                    "llama.cpp could not load {} ({e}); its log has the reason",
                    path.display()
                ))
            })?;
        let template = prompt::chat_template(&llama);
        Ok(Self { llama, template })
    }

    /// The prompt's tokens (blocking: tokenizing a long prompt takes a while).
    pub(crate) fn tokenize(&self, prompt: &PromptInput) -> Result<Vec<LlamaToken>, EngineError> {
        prompt::tokenize(&self.llama, &self.template, prompt)
    }
}
