"""The claims tables: what the warehouse keeps of a national SNDS extract.

Written by the SNDS import (`entrepot.snds`) from the native HDH tables, read by the
linkage and by analyses. Every table follows one person, `beneficiary_id` (the SNDS
`BEN_IDT_ANO`, the same person across pseudonym changes). Decision 0004 fixes the columns the
linkage reads (`beneficiary`, `hospital_stay`); the others describe care as the SNDS records
it: stays and what happened in them (PMSI MCO), outpatient care and dispensed drugs (DCIR),
long-term conditions and causes of death.

Rows of the event tables keep the extract file and line they come from (`source_file`,
`source_line`), so that any figure can be traced back to the delivery.
"""

from __future__ import annotations

from entrepot.model.schema import Column, ColumnType, Origin, Table

S, C, INT, N, A, D = (
    ColumnType.STRING,
    ColumnType.CODE,
    ColumnType.INTEGER,
    ColumnType.DECIMAL,
    ColumnType.AMOUNT,
    ColumnType.DATE,
)
_SNDS = Origin.SNDS


def _col(name: str, kind: ColumnType, required: bool, en: str, fr: str, **more) -> Column:
    return Column(name, kind, required, en, fr, _SNDS, **more)


def _beneficiary_id() -> Column:
    return _col(
        "beneficiary_id",
        S,
        True,
        "The person in the SNDS extract (BEN_IDT_ANO): stable across the person's pseudonyms",
        "Identifiant du bénéficiaire (BEN_IDT_ANO)",
    )


def _stay_id(description: str) -> Column:
    return _col("stay_id", S, True, description, "Identifiant du séjour")


def _claim_id() -> Column:
    return _col(
        "claim_id",
        S,
        True,
        "The reimbursed prestation line (hash of the ER_PRS_F key); a dispensing shares it "
        "with the outpatient_care row of its prestation",
        "Identifiant de la ligne de prestation",
    )


def _source() -> tuple[Column, ...]:
    return (
        _col(
            "source_file",
            S,
            True,
            "File of the SNDS extract this row came from",
            "Fichier de l'extraction d'origine",
        ),
        _col(
            "source_line",
            INT,
            True,
            "Line of that file (the header is line 1)",
            "Ligne du fichier d'origine",
            minimum=2,
        ),
    )


def _amount(name: str, en: str, fr: str) -> Column:
    return _col(name, A, False, en, fr, unit="EUR")


BENEFICIARY = Table(
    "beneficiary",
    "One row per person of the SNDS extract, from the beneficiary referential (IR_BEN_R).",
    "Bénéficiaire",
    columns=(
        _beneficiary_id(),
        _col(
            "snds_token",
            S,
            False,
            "SNDS linkage token computed by the trusted third party from the person's NIR, "
            "birth date and sex (TTP correspondence); empty when the TTP gave none",
            "Jeton de chaînage SNDS (tiers de confiance)",
        ),
        _col("sex", C, True, "Sex (BEN_SEX_COD)", "Sexe", vocabulary="sex"),
        _col(
            "birth_year",
            INT,
            True,
            "Year of birth (BEN_NAI_ANN)",
            "Année de naissance",
            minimum=1880,
            maximum=2030,
        ),
        _col(
            "birth_month",
            INT,
            True,
            "Month of birth (BEN_NAI_MOI)",
            "Mois de naissance",
            minimum=1,
            maximum=12,
        ),
        _col(
            "departement",
            C,
            False,
            "Département of residence (BEN_RES_DPT); empty when unknown, abroad or not a "
            "département",
            "Département de résidence",
            vocabulary="departement",
        ),
        _col(
            "death_date",
            D,
            False,
            "Date of death (BEN_DCD_DTE, else the death certificate's)",
            "Date de décès",
        ),
    ),
    key=("beneficiary_id",),
    package_key=(),
    notes=(
        "A person with several rows in IR_BEN_R (several pseudonyms) gets the attributes of "
        "the most recently updated one.",
    ),
)

HOSPITAL_STAY = Table(
    "hospital_stay",
    "A stay in medicine, surgery or obstetrics (PMSI MCO: T_MCOaaB with T_MCOaaC).",
    "Séjour hospitalier (PMSI MCO)",
    columns=(
        _beneficiary_id(),
        _stay_id("The stay: year of the PMSI file, FINESS and RSA number (2019-750100125-12)"),
        _col(
            "finess",
            C,
            True,
            "FINESS the stay was reported under (ETA_NUM)",
            "FINESS de l'établissement (ETA_NUM)",
            vocabulary="finess",
        ),
        _col("admission_date", D, True, "Admission date", "Date d'entrée"),
        _col("discharge_date", D, True, "Discharge date", "Date de sortie"),
        _col(
            "length_of_stay",
            INT,
            False,
            "Length of stay in days (SEJ_NBJ)",
            "Durée du séjour",
            unit="days",
            minimum=0,
        ),
        _col(
            "ghm",
            C,
            True,
            "Diagnosis-related group computed by the ATIH grouper (GRG_GHM)",
            "Groupe homogène de malades (GHM)",
            vocabulary="ghm",
        ),
        _col(
            "main_diagnosis",
            C,
            True,
            "Main diagnosis, ICD-10 (DGN_PAL)",
            "Diagnostic principal (CIM-10)",
            vocabulary="icd10",
        ),
        _col(
            "related_diagnosis",
            C,
            False,
            "Related diagnosis, ICD-10 (DGN_REL)",
            "Diagnostic relié (CIM-10)",
            vocabulary="icd10",
        ),
        _col(
            "entry_mode",
            C,
            False,
            "Mode of entry (ENT_MOD)",
            "Mode d'entrée",
            vocabulary="pmsi_mode",
        ),
        _col(
            "exit_mode",
            C,
            False,
            "Mode of exit (SOR_MOD); 9 is death",
            "Mode de sortie",
            vocabulary="pmsi_mode",
        ),
        _col("ghs", C, False, "Tariff group of the stay (GHS_NUM)", "Groupe homogène de séjour"),
    ),
    key=("stay_id",),
    package_key=(),
)

STAY_DIAGNOSIS = Table(
    "stay_diagnosis",
    "The associated diagnoses of a stay (T_MCOaaD), each once.",
    "Diagnostic associé du séjour",
    columns=(
        _beneficiary_id(),
        _stay_id("The stay (see hospital_stay)"),
        _col(
            "diagnosis",
            C,
            True,
            "Associated diagnosis, ICD-10 (ASS_DGN)",
            "Diagnostic associé (CIM-10)",
            vocabulary="icd10",
        ),
    ),
    key=("stay_id", "diagnosis"),
    package_key=(),
)

STAY_PROCEDURE = Table(
    "stay_procedure",
    "Procedures performed during a stay (T_MCOaaA).",
    "Acte réalisé pendant le séjour",
    columns=(
        _beneficiary_id(),
        _stay_id("The stay (see hospital_stay)"),
        _col("ccam", C, True, "Procedure, CCAM (CDC_ACT)", "Acte CCAM", vocabulary="ccam"),
        _col(
            "procedure_date",
            D,
            False,
            "Date of the procedure: admission date plus ENT_DAT_DEL days",
            "Date de l'acte",
        ),
        _col(
            "count",
            INT,
            False,
            "Times performed during the stay (NBR_EXE_ACT)",
            "Nombre de réalisations",
            minimum=0,
        ),
        _col("activity", C, False, "CCAM activity code (ACV_ACT)", "Code activité CCAM"),
        *_source(),
    ),
    key=("source_file", "source_line"),
    package_key=(),
)

STAY_EXPENSIVE_DRUG = Table(
    "stay_expensive_drug",
    "Expensive drugs paid on top of the stay tariff, the 'liste en sus' (T_MCOaaMED).",
    "Médicament en sus administré pendant le séjour",
    columns=(
        _beneficiary_id(),
        _stay_id("The stay (see hospital_stay)"),
        _col("ucd", C, True, "Drug dispensing unit, UCD13 (UCD_UCD_COD)", "UCD", vocabulary="ucd"),
        _col(
            "atc",
            C,
            False,
            "ATC code of the drug, derived from the UCD label's INN; empty when unknown",
            "Code ATC",
            vocabulary="atc",
        ),
        _col(
            "quantity",
            N,
            False,
            "Units administered, possibly fractional (ADM_NBR)",
            "Nombre d'unités administrées",
        ),
        _col(
            "administration_date",
            D,
            False,
            "Date given: admission date plus DELAI days",
            "Date d'administration",
        ),
        _amount(
            "purchase_cost",
            "Purchase price times units administered (ADM_NBR_PRI)",
            "Prix d'achat multiplié par le nombre administré",
        ),
        *_source(),
    ),
    key=("source_file", "source_line"),
    package_key=(),
)

DISPENSING = Table(
    "dispensing",
    "Drugs dispensed outside hospital stays: community pharmacy packs (ER_PHA_F) and "
    "hospital retrocession (ER_UCD_F).",
    "Délivrance de médicament",
    columns=(
        _beneficiary_id(),
        _claim_id(),
        _col(
            "kind",
            C,
            True,
            "Community pharmacy or hospital retrocession",
            "Type de délivrance",
            vocabulary="dispensing_kind",
        ),
        _col("dispensing_date", D, True, "Date of dispensing (EXE_SOI_DTD)", "Date de délivrance"),
        _col(
            "cip13",
            C,
            False,
            "Pharmacy pack, CIP13 (PHA_PRS_C13, else PHA_PRS_IDE)",
            "Code CIP13",
            vocabulary="cip13",
        ),
        _col(
            "ucd",
            C,
            False,
            "Retroceded dispensing unit, UCD13 (UCD_UCD_COD)",
            "Code UCD",
            vocabulary="ucd",
        ),
        _col(
            "atc",
            C,
            False,
            "ATC code where known: the substance (7 characters) for a UCD whose label names "
            "an INN, else the therapeutic subgroup (3 characters, IR_CIP_V) of the pack",
            "Code ATC (substance ou sous-groupe thérapeutique)",
        ),
        _col(
            "quantity",
            N,
            False,
            "Packs (PHA_ACT_QSN, signed) or units delivered (UCD_DLV_NBR)",
            "Quantité délivrée",
        ),
        _amount(
            "paid_amount",
            "Amount spent on the prestation line (PRS_PAI_MNT); shared by the dispensings of "
            "one claim_id",
            "Montant de la dépense",
        ),
        _amount(
            "reimbursement_base",
            "Reimbursement base of the prestation line (BSE_REM_BSE)",
            "Base de remboursement",
        ),
        *_source(),
    ),
    key=("source_file", "source_line"),
    package_key=(),
)

OUTPATIENT_CARE = Table(
    "outpatient_care",
    "Reimbursed care outside hospital stays, one row per prestation line (ER_PRS_F).",
    "Soins de ville remboursés",
    columns=(
        _beneficiary_id(),
        _claim_id(),
        _col("care_date", D, True, "Start of care (EXE_SOI_DTD)", "Date de début des soins"),
        _col("care_end_date", D, False, "End of care (EXE_SOI_DTF)", "Date de fin des soins"),
        _col(
            "prestation",
            C,
            True,
            "Nature of the prestation (PRS_NAT_REF)",
            "Nature de la prestation",
            vocabulary="prestation",
        ),
        _col(
            "prestation_label",
            S,
            False,
            "Label of the prestation (IR_NAT_V)",
            "Libellé de la prestation",
        ),
        _col("quantity", N, False, "Quantity (PRS_ACT_QTE)", "Quantité"),
        _amount("paid_amount", "Amount spent (PRS_PAI_MNT)", "Montant de la dépense"),
        _amount("reimbursed_amount", "Amount reimbursed (BSE_REM_MNT)", "Montant remboursé"),
        _amount("reimbursement_base", "Reimbursement base (BSE_REM_BSE)", "Base de remboursement"),
        _col(
            "prescriber_specialty",
            C,
            False,
            "Specialty of the prescriber (PSP_SPE_COD)",
            "Spécialité du prescripteur",
            vocabulary="medical_specialty",
        ),
        *_source(),
    ),
    key=("source_file", "source_line"),
    package_key=(),
)

LONG_TERM_CONDITION = Table(
    "long_term_condition",
    "Long-term conditions (ALD) granting full coverage, from IR_IMB_R.",
    "Affection de longue durée (ALD)",
    columns=(
        _beneficiary_id(),
        _col(
            "ald_number",
            C,
            False,
            "ALD number (IMB_ALD_NUM); 30 is malignant tumour",
            "Numéro d'ALD",
            vocabulary="ald",
        ),
        _col(
            "icd10",
            C,
            False,
            "Condition, ICD-10 (MED_MTF_COD)",
            "Motif médical (CIM-10)",
            vocabulary="icd10",
        ),
        _col("start_date", D, True, "Start of the exemption (IMB_ALD_DTD)", "Date de début"),
        _col("end_date", D, False, "End of the exemption (IMB_ALD_DTF)", "Date de fin"),
        *_source(),
    ),
    key=("source_file", "source_line"),
    package_key=(),
)

CAUSE_OF_DEATH = Table(
    "cause_of_death",
    "Causes of death from death certificates (CépiDc: KI_CCI_R underlying cause, KI_ECD_R "
    "associated causes).",
    "Cause de décès",
    columns=(
        _beneficiary_id(),
        _col("death_date", D, True, "Date of death (BEN_DCD_DTE)", "Date de décès"),
        _col(
            "icd10",
            C,
            True,
            "Cause, ICD-10 (DCD_CIM_COD or ECD_CIM_COD)",
            "Cause (CIM-10)",
            vocabulary="icd10",
        ),
        _col(
            "role",
            C,
            True,
            "Underlying or associated cause",
            "Cause initiale ou associée",
            vocabulary="cause_of_death_role",
        ),
        _col(
            "rank",
            INT,
            False,
            "Rank of an associated cause on the certificate (ECD_CAU_RNG)",
            "Rang de la cause",
            minimum=0,
        ),
        *_source(),
    ),
    key=("source_file", "source_line"),
    package_key=(),
)

#: The claims tables, the person first.
CLAIMS_TABLES: tuple[Table, ...] = (
    BENEFICIARY,
    HOSPITAL_STAY,
    STAY_DIAGNOSIS,
    STAY_PROCEDURE,
    STAY_EXPENSIVE_DRUG,
    DISPENSING,
    OUTPATIENT_CARE,
    LONG_TERM_CONDITION,
    CAUSE_OF_DEATH,
)
