"""Writes of the enterprise start-up program, by concern: names (name self-declaration),
draft and form (the one form), submission (co-signing and the case), departments (their
parallel steps), licence, delivery, visits; catalogue seeds the reference data. Import
from the submodule: ``from .services.draft import draft_save``."""
