"""The `kitten-mixer` command line: the one module that knows every part (engine, trainer, bots).

It lives at the top so that `vae_core` never imports chat or training code.
"""
