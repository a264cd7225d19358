"""Names and phrases of the demo book: people, companies, stakeholders, activity notes.

English and Simplified Chinese, plus a few hostile names (Rich markup, terminal escapes)
that the app must show literally (spec section 6).
"""

from __future__ import annotations

from csm_tui.domain.records import ActivityKind, ContactRole, Role

TEAMS = (("emea", "EMEA"), ("apac", "APAC & China"))
# (key, name, email, role, team key); the first CSM is the demo user ("me").
PEOPLE = (
    ("sarah", "Sarah Mitchell", "sarah.mitchell", Role.CSM, "emea"),
    ("tom", "Tom Becker", "tom.becker", Role.CSM, "emea"),
    ("amara", "Amara Okafor", "amara.okafor", Role.CSM, "emea"),
    ("fang", "王芳", "wang.fang", Role.CSM, "apac"),
    ("wei", "李伟", "li.wei", Role.CSM, "apac"),
    ("jing", "Jing Chen 陈静", "chen.jing", Role.CSM, "apac"),
    ("elena", "Elena Rossi", "elena.rossi", Role.LEAD, "emea"),
    ("lei", "张磊", "zhang.lei", Role.LEAD, "apac"),
    ("priya", "Priya Nair", "priya.nair", Role.ADMIN, None),
)
ME = "sarah"

EMEA_SEGMENTS = ("UK & Ireland", "DACH", "Nordics", "Benelux", "France", "Southern Europe")
CN_SEGMENTS = ("North China", "East China", "South China", "West China")
CN_USD_SEGMENTS = ("Hong Kong", "Singapore")

# (English industry, English name cores, Chinese industry word, pinyin)
INDUSTRIES = (
    ("Logistics", ("Logistics", "Freight", "Shipping", "Transport"), "物流", "wuliu"),
    ("Software", ("Software", "Analytics", "Systems", "Labs"), "科技", "keji"),
    ("Manufacturing", ("Manufacturing", "Industries", "Machinery", "Components"), "制造", "zhizao"),
    ("Retail", ("Retail", "Stores", "Outfitters", "Trading"), "商贸", "shangmao"),
    ("Healthcare", ("Health", "Medical", "Care", "Diagnostics"), "医疗", "yiliao"),
    ("Financial Services", ("Capital", "Finance", "Insurance", "Partners"), "金融", "jinrong"),
    ("Education", ("Learning", "Academy", "Education", "Tutors"), "教育", "jiaoyu"),
    ("Energy", ("Energy", "Power", "Solar", "Grid"), "能源", "nengyuan"),
    ("Media", ("Media", "Studios", "Publishing", "Broadcast"), "传媒", "chuanmei"),
    ("Real Estate", ("Properties", "Estates", "Realty", "Homes"), "地产", "dichan"),
    ("Automotive", ("Motors", "Automotive", "Auto Parts", "Mobility"), "汽车", "qiche"),
    ("Food & Beverage", ("Foods", "Beverages", "Kitchens", "Dairy"), "食品", "shipin"),
    ("Consulting", ("Consulting", "Advisory", "Group", "Associates"), "咨询", "zixun"),
    ("Telecom", ("Telecom", "Networks", "Communications", "Connect"), "通信", "tongxin"),
)
EN_PREFIX = (
    "North", "South", "East", "West", "Blue", "Red", "Green", "Silver", "Golden", "Iron",
    "Stone", "River", "Lake", "Sea", "Sky", "Sun", "Star", "Oak", "Pine", "Maple", "Bright",
    "Swift", "Clear", "Summit", "Harbor", "Crown", "Eagle", "Falcon", "Fox", "Wolf", "Bear",
    "Lion", "Nova", "Apex", "Vertex", "Prime", "Core", "True", "Bold", "Arc",
)  # fmt: skip
EN_SUFFIX = (
    "wind", "water", "field", "bridge", "gate", "wood", "light", "point", "view", "line",
    "stone", "crest", "ford", "haven", "peak", "works", "wave", "path", "mark", "well",
    "side", "brook", "vale", "ridge", "port", "shore", "land", "dale", "more", "ton",
)  # fmt: skip
EN_LEGAL = ("Ltd", "GmbH", "BV", "SA", "AB", "plc", "Inc", "SARL", "Oy", "AG", "SpA", "LLP")
EN_CITIES = (
    "London", "Leeds", "Dublin", "Berlin", "Munich", "Hamburg", "Zurich", "Vienna",
    "Stockholm", "Oslo", "Copenhagen", "Helsinki", "Amsterdam", "Rotterdam", "Brussels",
    "Paris", "Lyon", "Madrid", "Milan", "Lisbon",
)  # fmt: skip
CN_CITIES = (
    "北京", "上海", "广州", "深圳", "杭州", "南京", "苏州", "成都", "重庆", "武汉", "西安",
    "天津", "青岛", "厦门", "宁波", "长沙", "郑州", "合肥", "济南", "大连", "沈阳", "昆明",
)  # fmt: skip
CN_SYLLABLES = (
    ("云", "yun"), ("图", "tu"), ("华", "hua"), ("星", "xing"), ("明", "ming"), ("达", "da"),
    ("信", "xin"), ("通", "tong"), ("远", "yuan"), ("航", "hang"), ("智", "zhi"), ("创", "chuang"),
    ("新", "xin"), ("锐", "rui"), ("恒", "heng"), ("泰", "tai"), ("博", "bo"), ("源", "yuan"),
    ("海", "hai"), ("天", "tian"), ("金", "jin"), ("瑞", "rui"), ("安", "an"), ("宏", "hong"),
    ("联", "lian"), ("盛", "sheng"), ("鼎", "ding"), ("嘉", "jia"), ("凯", "kai"), ("德", "de"),
)  # fmt: skip
CN_LEGAL = ("有限公司", "股份有限公司", "集团有限公司")
EN_FIRST = (
    "James", "Olivia", "Lukas", "Emma", "Noah", "Sophie", "Matteo", "Chloé", "Liam", "Anna",
    "Oscar", "Freya", "Jonas", "Mia", "Hugo", "Ella", "Mateo", "Ingrid", "Lars", "Zoe",
    "Daniel", "Hannah", "Pierre", "Léa", "Marco", "Giulia", "Sven", "Astrid", "Tomás", "Inês",
)  # fmt: skip
EN_LAST = (
    "Smith", "Jones", "Müller", "Schmidt", "Dubois", "Rossi", "Jansen", "Nielsen", "García",
    "Silva", "O'Brien", "Murphy", "Andersson", "Johansson", "Weber", "Fischer", "Bianchi",
    "Moreau", "de Vries", "Kowalski", "Novak", "Hughes", "Walsh", "Berg", "Lindqvist",
)  # fmt: skip
CN_SURNAMES = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
    ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("林", "lin"),
)  # fmt: skip
CN_GIVEN = (
    ("芳", "fang"), ("伟", "wei"), ("静", "jing"), ("磊", "lei"), ("敏", "min"), ("强", "qiang"),
    ("丽", "li"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"), ("杰", "jie"),
    ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀英", "xiuying"), ("思远", "siyuan"),
    ("雨桐", "yutong"), ("子涵", "zihan"), ("浩然", "haoran"), ("晓东", "xiaodong"),
)  # fmt: skip
TITLES_EN = {
    ContactRole.SPONSOR: ("CEO", "COO", "VP Sales", "CFO", "Managing Director"),
    ContactRole.CHAMPION: ("Head of Sales Ops", "CRM Manager", "Revenue Operations Lead"),
    ContactRole.USER: ("Account Executive", "Sales Manager", "Business Analyst", "Team Lead"),
    ContactRole.BLOCKER: ("IT Director", "Procurement Manager", "Head of IT Security"),
}
TITLES_CN = {
    ContactRole.SPONSOR: ("总经理", "副总裁", "销售副总裁", "首席运营官"),
    ContactRole.CHAMPION: ("销售运营经理", "CRM负责人", "数字化经理"),
    ContactRole.USER: ("销售经理", "客户经理", "业务分析师", "客服主管"),
    ContactRole.BLOCKER: ("IT总监", "采购经理", "信息安全负责人"),
}
FEATURE_CN = {
    "leads": "线索",
    "public pool": "公海",
    "opportunities": "商机",
    "contacts": "联系人",
    "partner deals": "渠道报备",
}

# Names that must be shown literally (spec section 6: safe display).
NASTY_NAMES = (
    "[bold red]Redline[/] Media Ltd",
    "Cleanscreen\x1b[2J Systems GmbH",
    "\x1b]0;pwned\x07Titlebar Holdings plc",
    "Café Olé 🚀 SARL",
)

SUMMARIES_EN = {
    ActivityKind.CALL: (
        "Check-in call with {c}: {f} usage steady, {n} reps still not logging in weekly.",
        "Call with {c} about the renewal timeline; asked for pricing on {n} more seats.",
        "Quick call with {c}: questions on {f} reports and dashboards.",
    ),
    ActivityKind.MEETING: (
        "Working session with {c} on the {f} process; agreed {n} success metrics.",
        "Meeting with {c} and team: reviewed adoption of {f} by region.",
    ),
    ActivityKind.EMAIL: (
        "Sent {c} the {f} best-practice guide.",
        "Emailed {c} a recap of open tickets ({n} open).",
        "Followed up with {c} on the training invite.",
    ),
    ActivityKind.ONSITE: ("Onsite visit: workshop with {c}'s team on {f}; met {n} new users.",),
    ActivityKind.QBR: ("QBR with {c}: {f} usage against goals, {n} actions for next quarter.",),
    ActivityKind.TRAINING: (
        "Trained {n} users on {f}.",
        "Admin training for {c}: permissions and {f} setup.",
    ),
    ActivityKind.ESCALATION: (
        "Escalation from {c}: {f} sync failing for {n} users; engaged support.",
        "Billing dispute raised by {c}; finance looped in.",
    ),
    ActivityKind.NOTE: (
        "Internal: {c} is the real decision-maker, not the sponsor.",
        "Heard {c} is evaluating a competitor for {f}.",
        "Internal: expansion potential of about {n} seats.",
    ),
}
SUMMARIES_CN = {
    ActivityKind.CALL: (
        "与{c}电话回访：{f}使用稳定，仍有{n}名销售每周未登录。",
        "与{c}沟通续约时间表，对方询问再增加{n}个席位的报价。",
    ),
    ActivityKind.MEETING: ("与{c}开会梳理{f}流程，确定了{n}项成功指标。",),
    ActivityKind.EMAIL: ("给{c}发送了{f}最佳实践指南。", "邮件跟进{c}：目前有{n}个未关闭工单。"),
    ActivityKind.ONSITE: ("上门拜访：与{c}团队做{f}工作坊，新认识{n}位用户。",),
    ActivityKind.QBR: ("与{c}召开QBR：对照目标回顾{f}使用情况，下季度{n}项行动。",),
    ActivityKind.TRAINING: ("为{n}名用户培训{f}。", "为{c}做管理员培训：权限与{f}配置。"),
    ActivityKind.ESCALATION: ("{c}升级问题：{n}名用户的{f}同步失败，已联系技术支持。",),
    ActivityKind.NOTE: ("内部备注：{c}才是真正的决策人。", "听说{c}在评估竞品的{f}功能。"),
}
NEXT_STEPS_EN = (
    "Send recap and the {f} guide",
    "Book training for {n} new users",
    "Follow up on the renewal quote",
    "Schedule the next QBR",
    "Check {f} adoption in two weeks",
    "Loop in support on open tickets",
    "Introduce {c} to the product team",
)
NEXT_STEPS_CN = (
    "发送会议纪要和{f}指南",
    "为{n}名新用户安排培训",
    "跟进续约报价",
    "安排下一次QBR",
    "两周后检查{f}使用情况",
    "请技术支持跟进未关闭工单",
)
