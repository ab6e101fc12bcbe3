"""The only Qt package. Widgets read forms, call one service, refresh a model or show a message."""
