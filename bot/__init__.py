"""Chat front ends (Discord, Telegram) over the shared vae_core engine."""
