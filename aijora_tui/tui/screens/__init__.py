"""Screens: chat, model picker, help, setup."""
