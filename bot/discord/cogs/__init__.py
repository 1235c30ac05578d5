"""One cog per feature; `app.KittenBot.setup_hook` adds them all."""
