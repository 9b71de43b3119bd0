"""Word: the house style, pandoc, the OOXML package, the rendered document, LibreOffice."""
