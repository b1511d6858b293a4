"""Ranking the queue by what this desk hides: features of a comment (``features``) and an
online model learnt from the desk's decisions (``model``). Pure: no database, no Qt."""
