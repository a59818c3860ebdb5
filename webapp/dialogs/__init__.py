"""Chatbot dialogs and consent: messages pushed as they happen, readable only once consented,
deleted on refusal, and cleaned up on a schedule when never answered."""
