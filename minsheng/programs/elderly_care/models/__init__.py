from .care import (  # noqa: F401
    Anomaly,
    AnomalyKind,
    AnomalyStatus,
    Caregiver,
    CareSchedule,
    ContractPrice,
    ContractStatus,
    OrderStatus,
    PhotoKind,
    ProviderContract,
    Qualification,
    ServiceItem,
    VisitPhoto,
    WorkOrder,
)
from .oversight import (  # noqa: F401
    CallResult,
    FollowUpCall,
    FollowUpSample,
    MealRecord,
    Rectification,
)
from .registry import (  # noqa: F401
    AbilityAssessment,
    AllowanceKind,
    CareApplication,
    CashAllowance,
    Elder,
    ElderStatus,
    EntitlementRule,
    EntitlementRun,
    LivingArrangement,
    ServiceEntitlement,
)
from .safety import (  # noqa: F401
    AlarmDevice,
    AlarmEvent,
    AlarmNotice,
    AlarmStatus,
    DeviceKind,
    DeviceMessage,
    DeviceVendor,
    RetrofitFile,
    RetrofitItem,
    RetrofitPhoto,
    RetrofitStatus,
)
from .settlement import DailyRollup, SettlementStatement, StatementStatus  # noqa: F401
