"""The link table: which SNDS beneficiary each warehouse patient is.

Written by the linkage (`entrepot link`), carried by every release published after it,
with the claims of the linked beneficiaries only. Analyses join a patient's clinical rows
to their claims through it.
"""

from __future__ import annotations

from entrepot.model.schema import Column, ColumnType, Origin, Table

SNDS_LINK = Table(
    "snds_link",
    "One row per warehouse patient linked to an SNDS beneficiary (one-to-one).",
    "Chaînage avec le SNDS",
    columns=(
        Column(
            "patient_id",
            ColumnType.STRING,
            True,
            "Warehouse patient id",
            "Identifiant patient de l'entrepôt",
            Origin.WAREHOUSE,
        ),
        Column(
            "beneficiary_id",
            ColumnType.STRING,
            True,
            "The SNDS person (BEN_IDT_ANO) the patient was linked to",
            "Identifiant du bénéficiaire SNDS (BEN_IDT_ANO)",
            Origin.WAREHOUSE,
        ),
        Column(
            "method",
            ColumnType.CODE,
            True,
            "How the pair was found: the trusted third party's NIR token, or the "
            "probabilistic model (sex, birth month, département, death, stays at the centre)",
            "Méthode de chaînage",
            Origin.WAREHOUSE,
            vocabulary="link_method",
        ),
        Column(
            "match_probability",
            ColumnType.DECIMAL,
            True,
            "Probability that the pair is the same person (1 for a token)",
            "Probabilité d'appariement",
            Origin.WAREHOUSE,
            minimum=0,
            maximum=1,
        ),
    ),
    key=("patient_id",),
    package_key=(),
)
