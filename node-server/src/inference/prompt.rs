//! Turning a [`PromptInput`] into tokens: the chat template for messages, then the tokenizer.

use llama_cpp_2::model::{LlamaChatMessage, LlamaChatTemplate, LlamaModel};
use llama_cpp_2::token::LlamaToken;
use llama_cpp_2::{ApplyChatTemplateError, NewLlamaChatMessageError};

use super::{ChatTurn, EngineError, PromptInput};

/// The model's own chat template from its GGUF metadata, or ChatML (llama.cpp's built-in) when it has none.
pub(crate) fn chat_template(model: &LlamaModel) -> LlamaChatTemplate {
    model.chat_template(None).unwrap_or_else(|_| {
        tracing::info!("the model has no chat template; chat prompts use ChatML");
        LlamaChatTemplate::new("chatml").expect("the literal has no NUL byte")
    })
}

/// Tokens of the prompt, with the BOS token when the model asks for one.
///
/// Raw text is tokenized without parsing special-token markup, so a client cannot inject control tokens;
/// a rendered chat template needs that parsing for its own markers.
pub(crate) fn tokenize(
    model: &LlamaModel,
    template: &LlamaChatTemplate,
    prompt: &PromptInput,
) -> Result<Vec<LlamaToken>, EngineError> {
    let vocab = model.vocab();
    let tokens = match prompt {
        PromptInput::Text(text) => vocab.tokenize(text.as_bytes(), true, false),
        PromptInput::Chat(turns) => {
            let text = render_chat(model, template, turns)?;
            let mut tokens = vocab.tokenize(text.as_bytes(), false, true);
            // Templates that start with the BOS text already carry it; never add a second one.
            if vocab.should_add_bos() && tokens.first() != Some(&vocab.bos()) {
                tokens.insert(0, vocab.bos());
            }
            tokens
        }
    };
    if tokens.is_empty() {
        return Err(EngineError::EmptyPrompt);
    }
    Ok(tokens)
}

fn render_chat(
    model: &LlamaModel,
    template: &LlamaChatTemplate,
    turns: &[ChatTurn],
) -> Result<String, EngineError> {
    let messages = turns
        .iter()
        .map(|turn| LlamaChatMessage::new(turn.role.clone(), turn.content.clone()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|NewLlamaChatMessageError::NulError(_)| {
            EngineError::ChatTemplate("a message contains a NUL character".into())
        })?;
    model
        .apply_chat_template(template, &messages, true)
        .map_err(|e| {
            EngineError::ChatTemplate(
                match e {
                    ApplyChatTemplateError::FfiError(_) | ApplyChatTemplateError::NullResult => {
                        "llama.cpp does not support the model's chat template"
                    }
                    ApplyChatTemplateError::NulError(_) => "a message contains a NUL character",
                    ApplyChatTemplateError::FromUtf8Error(_) => "the rendered prompt is not UTF-8",
                }
                .into(),
            )
        })
}
