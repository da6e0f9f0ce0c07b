from .care import (  # noqa: F401
    Anomaly, AnomalyKind, AnomalyStatus, CallResult, CareSchedule, Caregiver, ContractPrice,
    FollowUpCall, FollowUpSample, MealRecord, OrderStatus, PhotoKind, ProviderContract,
    Qualification, Rectification, ServiceItem, VisitPhoto, WorkOrder,
)
from .registry import (  # noqa: F401
    AbilityAssessment, AllowanceKind, ApplicationStatus, CareApplication, CashAllowance, Elder,
    ElderStatus, EntitlementRule, EntitlementRun, LivingArrangement, ServiceEntitlement,
)
from .safety import (  # noqa: F401
    AlarmDevice, AlarmEvent, AlarmNotice, AlarmStatus, DeviceKind, DeviceMessage, DeviceVendor,
    RetrofitFile, RetrofitItem, RetrofitPhoto, RetrofitStatus,
)
from .settlement import DailyRollup, SettlementStatement, StatementStatus  # noqa: F401
