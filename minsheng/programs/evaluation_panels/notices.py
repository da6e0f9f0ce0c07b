"""Message templates this program sends through minsheng.notifications (Chinese texts with {placeholders})."""

from minsheng.notifications.templates import MessageTemplate

INVITATION = "evaluation_panels.invitation"
MILESTONE_OVERDUE = "evaluation_panels.milestone_overdue"
RECTIFICATION = "evaluation_panels.rectification"
RECTIFICATION_RETURNED = "evaluation_panels.rectification_returned"

TEMPLATES = [
    MessageTemplate(
        INVITATION,
        title="民生实事项目评议邀请",
        body="您已被随机抽选为“{project}”的群众评议员。实地评议时间：{starts_at}，地点：{place}。请登录平台确认是否参加。",
    ),
    MessageTemplate(
        MILESTONE_OVERDUE,
        title="民生实事项目节点逾期",
        body="“{project}”的节点“{milestone}”应于{due_on}完成，目前尚未完成，请尽快推进并报送进展。",
    ),
    MessageTemplate(
        RECTIFICATION,
        title="民生实事项目整改通知",
        body="“{project}”评议结果为{grade}（满意率{rate}），请于{deadline}前提交书面整改报告。",
    ),
    MessageTemplate(
        RECTIFICATION_RETURNED,
        title="民生实事项目整改报告退回",
        body="“{project}”的整改报告已被退回：{reason}。请补充后于{deadline}前重新提交。",
    ),
]
