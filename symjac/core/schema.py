"""The JSON symjac writes (DESIGN.md, "JSON"), as TypedDicts.

``Step.to_dict()``, ``Result.to_dict()``, ``Check.to_dict()``,
``Derivation.to_dict()`` and ``error_dict`` (symjac.core.model) return these
types; ``tests/test_schema.py`` holds what the commands really write to them.
They are types only: the modules that use them import this one for the type
checker (``if TYPE_CHECKING``), so a command never loads it.

A step's ``data``, a result's ``extra`` and a derivation's ``extra`` are
merged into their object's top level. Their keys are typed here
(``StepData``, ``ResultExtra``, ``DerivationExtra``): every key is optional,
present only for the kinds and commands its comment names, and "(read by
render)" marks the keys a renderer depends on.
"""

from typing import NotRequired, TypedDict

# -- pieces ----------------------------------------------------------------------------------


class Factor(TypedDict):
    """One factor of a chain rule: ∂of/∂wrt, of a shape ([rows, cols], or "n×1" for derive)."""

    of: str
    wrt: str
    shape: list[int] | str


class Mismatch(TypedDict):
    """One entry of an answer that is not equal to symjac's (``check.mismatches``)."""

    index: NotRequired[list[int]]  # 1-based [i, j] (read by render)
    answer: NotRequired[str]  # what was given to be checked
    correct: NotRequired[str]  # what symjac computed
    # Every mismatch has these two, written last (so, to the type checker, not required)
    expected: NotRequired[str]  # the older name of correct (read by render)
    got: NotRequired[str]  # the older name of answer (read by render)
    message: NotRequired[str]  # said to the one who wrote the answer (read by render)
    outcome: NotRequired[str]  # "different" or "undecided" (read by render)
    method: NotRequired[str]  # "exact", "symbolic" or "numeric"
    point: NotRequired[dict[str, str]]  # a counterexample, name -> value (read by render)
    answer_value: NotRequired[str | None]  # the values there (read by render)
    correct_value: NotRequired[str | None]
    note: NotRequired[str]  # why an entry is undecided (read by render)
    at: NotRequired[dict[str, int]]  # the index variables' values (read by render)


class Headline(TypedDict):
    """A closed form shown before the entries (grad and hessian of a matrix parameter)."""

    text: str  # "∇W ℓ = ...", or why there is no closed form
    latex: str  # the same in LaTeX, "" when there is none
    note: str  # how it was verified, "" when there is none
    entries_label: str  # the name under which the entries follow


class AtPoint(TypedDict):
    """jacobian --at: the point, the value in decimals and the variables left symbolic."""

    point: dict[str, str]
    decimal: list[list[str]]
    symbolic: list[str]


class ClosedLink(TypedDict):
    """One --where link of a closed-form gradient: ∂ℓ/∂name."""

    name: str
    shape: list[str]
    expression: str
    text: str
    latex: str
    rules: list[str]


class ClosedFormInfo(TypedDict):
    """Whether a closed form was found, and how (grad and hessian of a matrix parameter)."""

    found: bool
    reason: str | None
    rules: list[str]
    at_sizes: NotRequired[str | None]  # grad: the closed form at the sizes worked at
    links: NotRequired[list[ClosedLink]]  # grad
    gradient: NotRequired[str | None]  # hessian: the gradient it differentiates


class VerifiedCheck(TypedDict):
    """derive: one gradient's comparison with entrywise differentiation."""

    wrt: str
    passed: bool
    outcome: str
    message: str
    method: str


class DeriveProblem(TypedDict):
    """derive: the loss instantiated at the sizes verified at."""

    loss: str
    shape: str
    where: list[str]
    index: str | None


class Verified(TypedDict):
    """A closed form checked at concrete sizes (grad, hessian, derive)."""

    passed: bool
    sizes: dict[str, int]
    shapes: NotRequired[dict[str, list[int]]]  # grad, hessian: each name's shape there
    method: NotRequired[str]  # grad
    checks: NotRequired[list[VerifiedCheck]]  # derive
    problem: NotRequired[DeriveProblem]  # derive: the loss instantiated at the sizes


class Intermediate(TypedDict):
    """grad: a --where name, with its entries' symbols and its local value."""

    definition: str
    shape: list[int]
    symbols: list[list[str]]
    local: list[list[str]]


class FiniteDifferenceRecord(TypedDict, total=False):
    """How the central differences were taken (none when nothing could be checked)."""

    points: list[dict[str, str]]  # the points, name -> value
    max_error: float  # the largest relative error
    tolerance: float
    step: str  # the step h, as a formula


class FiniteDifferences(FiniteDifferenceRecord):
    """jacobian --check: the central differences compared with the result."""

    passed: bool


class DerivedClosedForm(TypedDict):
    """derive: a gradient of the derivation, and grad's own closed form of it."""

    wrt: str
    expression: str
    derived_by_grad: str | None


class Listed(TypedDict):
    """derive --list: one derivation."""

    name: str
    title: str
    summary: str
    sizes: dict[str, int]


class ErrorInfo(TypedDict):
    """Why a command failed (``error_dict``)."""

    type: str  # the error's class: "ShapeError", "ParseError", "UsageError", ...
    message: str
    position: int | None  # 1-based column in the input, when known
    hints: list[str]


# -- the merged keys ---------------------------------------------------------------------------


class StepData(TypedDict, total=False):
    """``Step.data``: the keys a step adds to its JSON object, by kind."""

    # matmul "product", "entry", "note": the product's name, "A·B" (read by render);
    # grad "local-jacobian": True for c = ∂ℓ/∂u, a product of Jacobians
    product: str | bool
    left: str  # matmul "product": the left factor's name (read by render)
    right: str  # matmul "product": the right factor's name (read by render)
    # matmul "product", grad's matrices: [rows, cols] (read by render); derive "chain": "n×1"
    shape: list[int] | str
    pairs: list[list[str]]  # matmul "entry": the factors of each term (read by render)
    elided: int  # "note": how many entries or partials are not shown
    zeros: int  # jacobian "note": how many entries are 0 and not listed
    long: int  # jacobian "note": partials of long functions, computed but not worked
    long_functions: list[int]  # jacobian "note": those functions' numbers, 1-based
    of: str  # "partial", grad's Jacobians: the function differentiated (read by render)
    wrt: str  # "partial", grad's steps: the variable (read by render)
    result: str  # "partial": the last form of the chain
    output: int  # "partial": i of ∂f_i/∂x_j, 1-based (read by render)
    input: int  # "partial": j of ∂f_i/∂x_j, 1-based
    stage_rules: list[str]  # "partial": the rules of each stage of the chain (read by render)
    label: str  # derive "part": "(a)" (read by render)
    tex: str  # a sentence in LaTeX, for Markdown and LaTeX (read by render)
    rules_text: str  # "closed-link": the rules as a sentence (read by render)
    lines: list[list[str]]  # derive "equation": [left side, right side] in LaTeX
    factors: list[Factor]  # "chain": the factors of the chain rule
    passed: bool  # derive "verify": the check passed (read by render)
    sizes: dict[str, int]  # derive "verify": the sizes it was verified at
    matrix: list[list[str]]  # grad's matrices, in sympy's syntax (read by render)
    latex_matrix: list[list[str]]  # the same in LaTeX
    remark: str  # grad "jacobian-row": which entries are non-zero
    via: str | None  # grad "assemble": the intermediate summed over, if any
    coefficients: list[list[str]]  # grad "assemble": c = ∂ℓ/∂u
    value: str  # grad "entry-partial": ∂ℓ/∂x
    expression: str  # grad "closed-link": the closed form, in the language --expect reads
    adjoint_shape: list[str]  # grad "closed-link": the shape of ∂ℓ/∂u, as declared ("n")


class ResultExtra(TypedDict, total=False):
    """``Result.extra``: grad's and hessian's closed form (None when there is none)."""

    closed_form: str | None  # in the language --expect reads
    closed_form_latex: str | None
    closed_form_text: str | None  # in Unicode, as a person writes it


class DerivationExtra(TypedDict, total=False):
    """``Derivation.extra``: the keys a command adds to its JSON object."""

    headline: Headline  # grad, hessian: the closed form, shown first (read by render)
    label_latex: str  # grad, hessian: the result's name in LaTeX, "\\nabla^2 f" (read by render)
    summary_tex: str  # grad, hessian: the summary in LaTeX (read by render)
    notes_tex: list[str]  # grad, derive: the notes in LaTeX (read by render)
    layout: str  # jacobian, hessian: "numerator" or "denominator"
    order: str  # jacobian, hessian: how a matrix of variables is flattened, "row" or "column"
    input_shape: list[int] | None  # jacobian: the shape of the variables (read by render)
    output_shape: list[int] | None  # jacobian: the shape of the functions
    at: AtPoint  # jacobian --at (read by render)
    finite_differences: FiniteDifferences  # jacobian --check
    symmetric: bool  # hessian of a function of variables: the result is symmetric
    wrt: str  # grad, hessian: the matrix parameter
    loss: str  # grad: the loss as parsed, in plain notation (for --emit)
    flattened: str  # grad, hessian: "row-major"
    jacobian_shape: list[int]  # grad: [1, n], the gradient as a Jacobian
    shapes: dict[str, list[int]]  # grad: each name's shape at the sizes worked at
    declared_shapes: dict[str, list[str]]  # grad: each name's shape as declared ("n")
    index: dict[str, list[int]]  # grad: each index variable's [first, last]
    intermediates: dict[str, Intermediate]  # grad: the --where names
    closed_form: ClosedFormInfo  # grad, hessian
    verified: Verified  # grad, hessian, derive (read by the batch runner)
    name: str  # derive: the derivation's name
    closed_forms: list[DerivedClosedForm]  # derive
    derivations: list[Listed]  # derive --list


# -- the objects -------------------------------------------------------------------------------


class StepJSON(StepData):
    """One step (``Step.to_dict()``)."""

    kind: str  # "product", "entry", "partial", "note", ...
    index: list[int] | None  # 1-based, as in the worksheet
    text: str
    latex: str
    chain: list[str]
    latex_chain: list[str]
    rules: list[str]


class ResultJSON(ResultExtra):
    """A matrix answer (``Result.to_dict()``): entries in sympy's syntax, row-major."""

    shape: list[int]
    matrix: list[list[str]]
    latex: str
    latex_entries: NotRequired[list[list[str]]]
    nnz: NotRequired[int]  # the entries that are not 0: --format json writes it, to_dict() not


class SparseResultJSON(ResultExtra):
    """A matrix answer as --sparse writes it: only the entries that are not 0."""

    shape: list[int]
    nnz: int
    entries: list[list[int | str]]  # [row, column, entry], 0-based, row-major


class CheckJSON(TypedDict):
    """An answer compared with symjac's (``Check.to_dict()``)."""

    passed: bool
    outcome: str  # "equal", "different" or "undecided"
    method: str  # "exact", "symbolic" or "numeric"
    mismatches: list[Mismatch]
    message: str
    mistakes: list[str]  # the tags of the named mistakes that explain a wrong answer
    mistake_messages: list[dict[str, str]]  # each {"tag", "message"}


class DerivationJSON(DerivationExtra):
    """A command's answer (``Derivation.to_dict()``)."""

    schema: str  # "symjac/1"
    command: str
    ok: bool
    summary: str
    label: str
    notes: list[str]
    warnings: list[str]
    result: ResultJSON | SparseResultJSON | None
    variables: list[str] | None
    steps: list[StepJSON]
    check: CheckJSON | None
    error: None
    reading: NotRequired[str]  # the input as read, when symjac inserted an operator
    undefined: NotRequired[bool]  # the answer does not exist (the library only) ...
    reason: NotRequired[str]  # ... and why


class ErrorJSON(TypedDict):
    """A command that failed (``error_dict``)."""

    schema: str
    command: str
    ok: bool  # always False
    result: None
    variables: None
    steps: list[StepJSON]  # always empty
    check: None
    error: ErrorInfo
