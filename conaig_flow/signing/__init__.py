"""PAdES signatures (pyHanko): signing with a PKCS#12, preparing a PDF for an outside signing
tool, and validating every signature of a PDF with a verdict in Firma Perú's terms.

This package is an adapter: it knows PDFs and certificates, nothing of sessions or actas.
No key material is kept: a PKCS#12 is read from the bytes given and dropped after signing.
"""
