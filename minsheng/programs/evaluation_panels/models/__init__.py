"""群众评议团 — citizens' evaluation panels for key livelihood projects (重点民生实事项目).

One module per stage of the year: the cycle (ideas → candidates → delegate vote), the
projects chosen (milestones, progress), the panels drawn for on-site evaluations, their
scoring, and rectification orders (整改). See README.md in this folder.
"""

from .cycle import (  # noqa: F401
    CYCLE_MANUAL_ACTIONS,
    CYCLE_TRANSITIONS,
    Ballot,
    CandidateProject,
    Category,
    Cycle,
    CycleStatus,
    Delegate,
    DelegateVote,
    Idea,
    IdeaSource,
    IdeaStatus,
    IdeaSupport,
    VoteStatus,
)
from .panels import (  # noqa: F401
    EVALUATION_CLOSED,
    EVALUATION_TRANSITIONS,
    Evaluation,
    EvaluationStatus,
    GradeRule,
    PanelSeat,
    SatisfactionFormula,
    SeatStatus,
    Volunteer,
)
from .projects import (  # noqa: F401
    Grade,
    Milestone,
    ProgressReport,
    ProgressSource,
    Project,
    ProjectStatus,
)
from .rectification import (  # noqa: F401
    RectificationOrder,
    RectificationStatus,
)
from .scoring import (  # noqa: F401
    Criterion,
    RecipientView,
    Rubric,
    Scorecard,
)
