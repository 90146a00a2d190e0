"""Sessions of the commission: convening, attendance, votes and closing, the read model of a
session, and its actas and documents."""
