"""Imports: files and folders found and opened (files), each file stored whole or not at
all (importer), in short parts out of sight (parts), a big scraped file read a line at a
time (streamed). It may import the formats, the services and the store, never the command
line.
"""
