"""adobe-cmk: stack settings → one top-level component → stack outputs. Nothing else lives here."""

import pulumi

from components.customer_managed_key import CustomerManagedKey
from components.settings import Settings

cmk = CustomerManagedKey("adobe-cmk", Settings.load())
for output_name, value in cmk.outputs().items():
    pulumi.export(output_name, value)
