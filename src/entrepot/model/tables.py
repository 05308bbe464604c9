"""The clinical tables of the warehouse, and the identity table that never leaves a hospital.

Every table follows one patient: in the hospital export rows carry the hospital patient
number (`ipp`); the edge kit replaces it with the `centre_code`; the warehouse adds its own
`patient_id`. Child tables hang off `tumour` or `patient` through the keys declared here.
"""

from __future__ import annotations

from entrepot.model.schema import Column, ColumnType, Origin, Reference, Table

S, C, INT, N, D, B = (
    ColumnType.STRING,
    ColumnType.CODE,
    ColumnType.INTEGER,
    ColumnType.DECIMAL,
    ColumnType.DATE,
    ColumnType.BOOLEAN,
)

#: Version of the package and warehouse layout. A package of another major version is
#: refused at ingestion; bump the minor version for additions that old packages satisfy.
SCHEMA_VERSION = "1.0"


def _ipp() -> Column:
    return Column(
        "ipp",
        S,
        True,
        "Hospital patient number (IPP); stays in the hospital, replaced by the centre code",
        "Identifiant permanent du patient (IPP)",
        Origin.HOSPITAL_ID,
    )


def _patient_id() -> Column:
    return Column(
        "patient_id",
        S,
        True,
        "Warehouse patient identifier, derived at ingestion from centre and centre code",
        "Identifiant patient de l'entrepôt",
        Origin.WAREHOUSE,
    )


def _centre_code() -> Column:
    return Column(
        "centre_code",
        S,
        True,
        "Centre code: the hospital patient number encrypted under the centre's own key; "
        "only that centre can turn it back",
        "Code centre (IPP chiffré par la clé du centre)",
        Origin.EDGE,
    )


def _provenance() -> tuple[Column, ...]:
    return (
        Column(
            "source_row",
            INT,
            True,
            "Line of the hospital export file this row came from (header is line 1)",
            "Ligne du fichier d'export d'origine",
            Origin.EDGE,
            minimum=2,
        ),
        Column(
            "package_id",
            S,
            True,
            "Submission package that delivered this row",
            "Paquet de soumission d'origine",
            Origin.WAREHOUSE,
        ),
    )


def _patient_ref() -> tuple[Column, ...]:
    return (_ipp(), _centre_code(), _patient_id())


def _tumour_number(description: str) -> Column:
    return Column(
        "tumour_number", INT, True, description, "Numéro de la tumeur", minimum=1, maximum=99
    )


IDENTITY = Table(
    "identity",
    "Who the patient is. Exists only in the hospital export and inside the edge kit.",
    "Identité du patient (reste dans l'établissement)",
    columns=(
        _ipp(),
        Column("last_name", S, True, "Last (usage) name", "Nom d'usage", Origin.HOSPITAL_ID),
        Column("birth_name", S, False, "Birth name", "Nom de naissance", Origin.HOSPITAL_ID),
        Column("first_name", S, True, "First name", "Prénom", Origin.HOSPITAL_ID),
        Column(
            "nir",
            S,
            False,
            "Social-security number (NIR) with its key",
            "NIR avec clé",
            Origin.HOSPITAL_ID,
        ),
        Column(
            "birth_date", D, True, "Exact date of birth", "Date de naissance", Origin.HOSPITAL_ID
        ),
        Column("address", S, False, "Street address", "Adresse", Origin.HOSPITAL_ID),
        Column("postcode", S, False, "Postal code of residence", "Code postal", Origin.HOSPITAL_ID),
        Column("city", S, False, "City of residence", "Commune", Origin.HOSPITAL_ID),
        Column("email", S, False, "E-mail address", "Adresse électronique", Origin.HOSPITAL_ID),
        Column("phone", S, False, "Telephone number", "Téléphone", Origin.HOSPITAL_ID),
    ),
    key=("ipp",),
    package_key=(),
    identifying=True,
)

PATIENT = Table(
    "patient",
    "One row per patient treated at the centre for breast, ovarian or lung cancer.",
    "Patient",
    columns=(
        *_patient_ref(),
        Column(
            "centre_finess",
            C,
            True,
            "FINESS of the centre that sent the patient's data",
            "FINESS du centre",
            Origin.WAREHOUSE,
            vocabulary="finess",
        ),
        Column(
            "snds_token",
            S,
            False,
            "SNDS linkage token: HMAC-SHA256 of NIR, birth date and sex under the trusted "
            "third party's key; empty when the hospital has no NIR",
            "Jeton de chaînage SNDS",
            Origin.EDGE,
        ),
        Column("sex", C, True, "Sex", "Sexe", vocabulary="sex"),
        Column(
            "birth_year",
            INT,
            True,
            "Year of birth",
            "Année de naissance",
            Origin.EDGE,
            minimum=1900,
            maximum=2025,
        ),
        Column(
            "birth_month",
            INT,
            True,
            "Month of birth",
            "Mois de naissance",
            Origin.EDGE,
            minimum=1,
            maximum=12,
        ),
        Column(
            "departement",
            C,
            False,
            "Département of residence (finest place kept)",
            "Département de résidence",
            Origin.EDGE,
            vocabulary="departement",
        ),
        Column(
            "socio_professional_category",
            C,
            False,
            "Socio-professional category (INSEE PCS, first level)",
            "Catégorie socioprofessionnelle (PCS)",
            vocabulary="socio_professional_category",
        ),
        Column(
            "vital_status",
            C,
            True,
            "Vital status at last news",
            "Statut vital",
            vocabulary="vital_status",
        ),
        Column("death_date", D, False, "Date of death", "Date de décès"),
        Column(
            "last_news_date",
            D,
            True,
            "Date of last news (last contact or death)",
            "Date des dernières nouvelles",
        ),
        *_provenance(),
    ),
    key=("patient_id",),
    package_key=("centre_code",),
)

TUMOUR = Table(
    "tumour",
    "A primary cancer: diagnosis, classification, stage and biomarkers.",
    "Tumeur primitive",
    columns=(
        *_patient_ref(),
        _tumour_number("Number of the primary tumour for this patient (1 for the first)"),
        Column("cancer_type", C, True, "Cancer type", "Type de cancer", vocabulary="cancer_type"),
        Column(
            "diagnosis_date",
            D,
            True,
            "Date of diagnosis (first pathological proof)",
            "Date de diagnostic",
        ),
        Column("icd10", C, True, "Diagnosis, ICD-10", "Diagnostic CIM-10", vocabulary="icd10"),
        Column(
            "topography",
            C,
            True,
            "Tumour site, ICD-O-3 topography",
            "Topographie CIM-O-3",
            vocabulary="icdo3_topography",
        ),
        Column(
            "morphology",
            C,
            True,
            "Histology, ICD-O-3 morphology",
            "Morphologie CIM-O-3",
            vocabulary="icdo3_morphology",
        ),
        Column("laterality", C, False, "Laterality", "Latéralité", vocabulary="laterality"),
        Column("grade", C, False, "Histological grade", "Grade histologique", vocabulary="grade"),
        Column(
            "clinical_t",
            C,
            False,
            "Clinical T (cTNM, 8th edition)",
            "T clinique (cTNM)",
            vocabulary="tnm_t",
        ),
        Column(
            "clinical_n", C, False, "Clinical N (cTNM)", "N clinique (cTNM)", vocabulary="tnm_n"
        ),
        Column(
            "clinical_m", C, False, "Clinical M (cTNM)", "M clinique (cTNM)", vocabulary="tnm_m"
        ),
        Column(
            "pathological_t",
            C,
            False,
            "Pathological T (pTNM)",
            "T pathologique (pTNM)",
            vocabulary="tnm_t",
        ),
        Column(
            "pathological_n",
            C,
            False,
            "Pathological N (pTNM)",
            "N pathologique (pTNM)",
            vocabulary="tnm_n",
        ),
        Column(
            "stage_group",
            C,
            False,
            "Stage group (UICC/AJCC 8th edition)",
            "Stade (UICC/AJCC 8e édition)",
            vocabulary="stage_group",
        ),
        Column(
            "metastatic_at_diagnosis",
            B,
            True,
            "Distant metastases at diagnosis (de novo)",
            "Métastatique au diagnostic",
        ),
        Column(
            "metastatic_sites",
            C,
            False,
            "Sites of distant metastases at diagnosis",
            "Sites métastatiques au diagnostic",
            vocabulary="metastatic_site",
            multiple=True,
        ),
        Column(
            "er_status",
            C,
            False,
            "Breast: oestrogen receptor status",
            "Sein : récepteurs aux œstrogènes",
            vocabulary="receptor_status",
        ),
        Column(
            "pr_status",
            C,
            False,
            "Breast: progesterone receptor status",
            "Sein : récepteurs à la progestérone",
            vocabulary="receptor_status",
        ),
        Column(
            "her2_status",
            C,
            False,
            "Breast: HER2 status",
            "Sein : statut HER2",
            vocabulary="her2_status",
        ),
        Column(
            "ki67_percent",
            N,
            False,
            "Breast: Ki-67 proliferation index",
            "Sein : index Ki-67",
            unit="%",
            minimum=0,
            maximum=100,
        ),
        Column(
            "figo_stage",
            C,
            False,
            "Ovary: FIGO stage (2014)",
            "Ovaire : stade FIGO (2014)",
            vocabulary="figo_stage",
        ),
        Column(
            "brca1_status",
            C,
            False,
            "Ovary/breast: BRCA1 status",
            "Statut BRCA1",
            vocabulary="gene_status",
        ),
        Column(
            "brca2_status",
            C,
            False,
            "Ovary/breast: BRCA2 status",
            "Statut BRCA2",
            vocabulary="gene_status",
        ),
        Column(
            "lung_histology",
            C,
            False,
            "Lung: histology group",
            "Poumon : groupe histologique",
            vocabulary="lung_histology",
        ),
        Column(
            "egfr_status",
            C,
            False,
            "Lung: EGFR mutation",
            "Poumon : mutation EGFR",
            vocabulary="gene_status",
        ),
        Column(
            "alk_status",
            C,
            False,
            "Lung: ALK rearrangement",
            "Poumon : réarrangement ALK",
            vocabulary="gene_status",
        ),
        Column(
            "ros1_status",
            C,
            False,
            "Lung: ROS1 rearrangement",
            "Poumon : réarrangement ROS1",
            vocabulary="gene_status",
        ),
        Column(
            "kras_status",
            C,
            False,
            "Lung: KRAS mutation",
            "Poumon : mutation KRAS",
            vocabulary="gene_status",
        ),
        Column(
            "pdl1_percent",
            N,
            False,
            "Lung: PD-L1 tumour proportion score",
            "Poumon : score PD-L1 (TPS)",
            unit="%",
            minimum=0,
            maximum=100,
        ),
        Column(
            "smoking_status",
            C,
            False,
            "Smoking status at diagnosis",
            "Statut tabagique au diagnostic",
            vocabulary="smoking_status",
        ),
        *_provenance(),
    ),
    key=("patient_id", "tumour_number"),
    package_key=("centre_code", "tumour_number"),
    references=(Reference("patient", ("centre_code",)),),
)

TREATMENT = Table(
    "treatment",
    "A treatment given for a tumour: surgery, radiotherapy or a systemic therapy line.",
    "Traitement",
    columns=(
        *_patient_ref(),
        _tumour_number("Tumour treated"),
        Column(
            "treatment_number",
            INT,
            True,
            "Number of the treatment for this patient",
            "Numéro du traitement",
            minimum=1,
        ),
        Column(
            "kind", C, True, "Kind of treatment", "Type de traitement", vocabulary="treatment_kind"
        ),
        Column("setting", C, True, "Setting", "Contexte", vocabulary="treatment_setting"),
        Column(
            "line_number",
            INT,
            False,
            "Line of treatment for metastatic disease (1 = first line)",
            "Ligne de traitement métastatique",
            minimum=1,
            maximum=20,
        ),
        Column("regimen", S, False, "Regimen name as written by the centre", "Protocole"),
        Column(
            "drugs",
            C,
            False,
            "Drugs given (ATC)",
            "Médicaments (ATC)",
            vocabulary="atc",
            multiple=True,
        ),
        Column(
            "procedure_ccam",
            C,
            False,
            "Main procedure for surgery or radiotherapy (CCAM)",
            "Acte principal (CCAM)",
            vocabulary="ccam",
        ),
        Column("start_date", D, True, "Start date", "Date de début"),
        Column("end_date", D, False, "End date", "Date de fin"),
        Column(
            "stop_reason",
            C,
            False,
            "Reason for stopping",
            "Motif d'arrêt",
            vocabulary="stop_reason",
        ),
        *_provenance(),
    ),
    key=("patient_id", "treatment_number"),
    package_key=("centre_code", "treatment_number"),
    references=(Reference("tumour", ("centre_code", "tumour_number")),),
)

TUMOUR_EVENT = Table(
    "tumour_event",
    "What happened to a tumour after diagnosis: recurrence, progression, new metastatic site.",
    "Événement tumoral",
    columns=(
        *_patient_ref(),
        _tumour_number("Tumour concerned"),
        Column(
            "event_kind",
            C,
            True,
            "Kind of event",
            "Type d'événement",
            vocabulary="tumour_event_kind",
        ),
        Column("event_date", D, True, "Date of the event", "Date de l'événement"),
        Column(
            "site",
            C,
            False,
            "Metastatic site involved",
            "Site concerné",
            vocabulary="metastatic_site",
        ),
        *_provenance(),
    ),
    key=("patient_id", "tumour_number", "event_kind", "event_date", "site"),
    package_key=("centre_code", "tumour_number", "event_kind", "event_date", "site"),
    references=(Reference("tumour", ("centre_code", "tumour_number")),),
)

MEASUREMENT = Table(
    "measurement",
    "Performance status, anthropometry and laboratory values, with units.",
    "Mesure",
    columns=(
        *_patient_ref(),
        Column("measurement_date", D, True, "Date of the measurement", "Date de la mesure"),
        Column(
            "kind",
            C,
            True,
            "What was measured",
            "Nature de la mesure",
            vocabulary="measurement_kind",
        ),
        Column("value", N, True, "Value, in the unit given", "Valeur"),
        Column("unit", S, True, "Unit (must be the unit declared for the kind)", "Unité"),
        *_provenance(),
    ),
    key=("patient_id", "measurement_date", "kind"),
    package_key=("centre_code", "measurement_date", "kind"),
    references=(Reference("patient", ("centre_code",)),),
)

FAMILY_HISTORY = Table(
    "family_history",
    "Cancers among the patient's relatives.",
    "Antécédents familiaux",
    columns=(
        *_patient_ref(),
        Column("relative", C, True, "Relative", "Apparenté", vocabulary="relative"),
        Column(
            "cancer_site",
            C,
            True,
            "Site of the relative's cancer",
            "Localisation du cancer",
            vocabulary="family_cancer_site",
        ),
        Column(
            "age_at_diagnosis",
            INT,
            False,
            "Relative's age at diagnosis",
            "Âge au diagnostic",
            unit="years",
            minimum=0,
            maximum=110,
        ),
        *_provenance(),
    ),
    key=("patient_id", "relative", "cancer_site"),
    package_key=("centre_code", "relative", "cancer_site"),
    references=(Reference("patient", ("centre_code",)),),
)

CENTRE_STAY = Table(
    "centre_stay",
    "The centre's own hospital stays; used to link with the SNDS when no NIR token exists.",
    "Séjour hospitalier au centre",
    columns=(
        *_patient_ref(),
        Column(
            "nda",
            S,
            True,
            "Hospital stay number (NDA); stays in the hospital",
            "Numéro de dossier administratif (NDA)",
            Origin.HOSPITAL_ID,
        ),
        Column(
            "stay_code",
            S,
            True,
            "Stay code: keyed hash of the stay number under the centre key",
            "Code séjour (NDA haché par la clé du centre)",
            Origin.EDGE,
        ),
        Column(
            "stay_finess",
            C,
            True,
            "FINESS of the site where the stay took place",
            "FINESS géographique du séjour",
            vocabulary="finess",
        ),
        Column(
            "stay_type",
            C,
            True,
            "Inpatient stay or day case",
            "Type d'hospitalisation",
            vocabulary="stay_type",
        ),
        Column("admission_date", D, True, "Admission date", "Date d'entrée"),
        Column("discharge_date", D, True, "Discharge date", "Date de sortie"),
        Column(
            "main_diagnosis",
            C,
            True,
            "Main diagnosis of the stay, ICD-10",
            "Diagnostic principal (CIM-10)",
            vocabulary="icd10",
        ),
        *_provenance(),
    ),
    key=("patient_id", "stay_code"),
    package_key=("centre_code", "stay_code"),
    references=(Reference("patient", ("centre_code",)),),
)

#: The clinical tables in load order: a parent always comes before its children.
CLINICAL_TABLES: tuple[Table, ...] = (
    PATIENT,
    TUMOUR,
    TREATMENT,
    TUMOUR_EVENT,
    MEASUREMENT,
    FAMILY_HISTORY,
    CENTRE_STAY,
)

TABLES: dict[str, Table] = {t.name: t for t in (IDENTITY, *CLINICAL_TABLES)}
