"""Documents made from the workspace: DOCX SSP, OSCAL SSP (with its 800-171 Rev 2 catalog), SoA, ICS."""
