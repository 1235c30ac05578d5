"""What both bots share: settings, the text catalogue, rate limits."""
