"""The progress report and open-data export: the facts gathered, and the optional sections read
from the features that own them."""
