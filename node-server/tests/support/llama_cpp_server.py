"""Runs llama-cpp-python's OpenAI-compatible server (`python -m llama_cpp.server ARGS`) without
llama.cpp's extra weight buffer types.

The CPUs of the machines the tests run on advertise AMX, but their virtual machines do not enable
its tile state, so llama.cpp's AMX buffer type (one of the "extra" buffer types, chosen when the
CPU reports AMX) dies on its first tile instruction with SIGILL. Turning the extra buffer types
off (`use_extra_bufts = false` in the model parameters, which llama-cpp-python does not expose)
keeps the plain CPU kernels; elsewhere it only costs the repacking speed-up.
"""

import runpy

import llama_cpp.llama_cpp as native

_defaults = native.llama_model_default_params


def _without_extra_buffer_types():
    params = _defaults()
    params.use_extra_bufts = False
    return params


native.llama_model_default_params = _without_extra_buffer_types
runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
