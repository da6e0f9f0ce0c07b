"""The standard-wording catalogue of business scope (经营范围规范表述目录) and the banned
and restricted name words, as seed data (migration 0002 loads it). Administrators extend
both in the admin.

The wordings follow SAMR's catalogue style: 一般项目 can be carried on once the
licence is issued; 许可项目 need the named approval first.
"""

GENERAL = {
    "信息技术": "软件开发、信息技术咨询服务、信息系统集成服务、数据处理和存储支持服务、网络技术服务、"
    "物联网技术服务、人工智能应用软件开发、人工智能基础软件开发、计算机系统服务、信息系统运行维护服务、"
    "软件外包服务、网络与信息安全软件开发、数字文化创意软件开发、区块链技术相关软件和服务、"
    "大数据服务、云计算装备技术服务、互联网数据服务、地理遗迹保护服务、卫星技术综合应用系统集成、"
    "集成电路设计、集成电路芯片设计及服务、电子产品销售、计算机软硬件及辅助设备零售、"
    "计算机软硬件及辅助设备批发、通讯设备销售、移动终端设备销售、网络设备销售、办公设备销售、"
    "办公设备耗材销售、智能家庭消费设备销售",
    "技术服务": "技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广、科技中介服务、"
    "新材料技术研发、新材料技术推广服务、生物基材料技术研发、工程和技术研究和试验发展、"
    "自然科学研究和试验发展、节能管理服务、合同能源管理、环保咨询服务、"
    "资源再生利用技术研发、新兴能源技术研发、海洋工程装备研发、船舶设计、知识产权服务（专利代理服务除外）、"
    "专业设计服务、工业设计服务、平面设计、图文设计制作、广告设计、代理、广告制作、广告发布、"
    "会议及展览服务、市场调查（不含涉外调查）、社会经济咨询服务、企业管理咨询、企业管理、"
    "信息咨询服务（不含许可类信息咨询服务）、咨询策划服务、项目策划与公关服务、品牌管理、"
    "组织文化艺术交流活动、翻译服务、摄影扩印服务、摄像及视频制作服务",
    "批发零售": "日用百货销售、日用品销售、日用品批发、文具用品零售、文具用品批发、体育用品及器材零售、"
    "体育用品及器材批发、服装服饰零售、服装服饰批发、鞋帽零售、鞋帽批发、针纺织品销售、"
    "家用电器销售、五金产品零售、五金产品批发、建筑材料销售、轻质建筑材料销售、化工产品销售（不含许可类化工产品）、"
    "金属材料销售、金属制品销售、机械设备销售、电气设备销售、汽车零配件零售、汽车零配件批发、"
    "新能源汽车整车销售、汽车新车销售、二手车经纪、摩托车及零配件零售、自行车及零配件零售、"
    "电动自行车销售、家具销售、灯具销售、卫生洁具销售、厨具卫具及日用杂品零售、"
    "化妆品零售、化妆品批发、个人卫生用品销售、珠宝首饰零售、工艺美术品及收藏品零售（象牙及其制品除外）、"
    "玩具销售、母婴用品销售、宠物食品及用品零售、礼品花卉销售、食用农产品零售、食用农产品批发、"
    "初级农产品收购、水产品零售、水产品批发、鲜肉零售、新鲜水果零售、新鲜蔬菜零售、"
    "谷物销售、豆及薯类销售、饲料原料销售、畜牧渔业饲料销售、化肥销售、"
    "农副产品销售、互联网销售（除销售需要许可的商品）、食品销售（仅销售预包装食品）、"
    "保健食品（预包装）销售、婴幼儿配方乳粉及其他婴幼儿配方食品销售、第一类医疗器械销售、"
    "第二类医疗器械销售、消毒剂销售（不含危险化学品）、石油制品销售（不含危险化学品）、"
    "润滑油销售、煤炭及制品销售、再生资源销售、国内贸易代理、销售代理、进出口代理、货物进出口、技术进出口",
    "制造业": "通用设备制造（不含特种设备制造）、专用设备制造（不含许可类专业设备制造）、"
    "金属结构制造、金属制品研发、机械零件、零部件加工、模具制造、电子元器件制造、"
    "电子专用材料制造、电力电子元器件制造、光伏设备及元器件制造、电池制造、"
    "塑料制品制造、橡胶制品制造、玻璃纤维增强塑料制品制造、针织或钩针编织物及其制品制造、"
    "服装制造、家具制造、木制容器制造、纸制品制造、包装材料及制品销售、"
    "化工产品生产（不含许可类化工产品）、专用化学产品制造（不含危险化学品）、"
    "新型建筑材料制造（不含危险化学品）、水泥制品制造、轻质建筑材料制造、"
    "海洋生物活性物质提取、纯化、合成技术研发、船舶制造、船舶修理、"
    "齿轮及齿轮减、变速箱制造、风机、风扇制造、泵及真空设备制造、"
    "农业机械制造、工艺美术品及礼仪用品制造（象牙及其制品除外）、"
    "食品添加剂销售、非食用植物油加工、肥料销售",
    "居民服务": "家政服务、养老服务、居家养老服务、护理机构服务（不含医疗服务）、"
    "母婴生活护理（不含医疗服务）、婚姻介绍服务、婚庆礼仪服务、洗染服务、"
    "洗烫服务、家用电器修理、日用电器修理、自行车修理、钟表与计时仪器修理、"
    "办公设备租赁服务、停车场服务、物业管理、房地产经纪、房地产咨询、"
    "住房租赁、非居住房地产租赁、城市绿化管理、园林绿化工程施工、"
    "专业保洁、清洗、消毒服务、家居用品修理、宠物服务（不含动物诊疗）、"
    "健身休闲活动、体育健康服务、体育竞赛组织、票务代理服务、"
    "旅客票务代理、旅行社服务网点旅游招徕、咨询服务、餐饮管理、"
    "外卖递送服务、酒店管理、会议及展览服务",
    "交通物流": "普通货物仓储服务（不含危险化学品等需许可审批的项目）、装卸搬运、"
    "国内货物运输代理、国际货物运输代理、国内船舶代理、国际船舶代理、"
    "港口货物装卸搬运活动、港口理货、无船承运业务、供应链管理服务、"
    "集装箱租赁服务、机械设备租赁、运输设备租赁服务、汽车租赁、"
    "停车场服务、城市配送运输服务（不含危险货物）、低温仓储（不含危险化学品等需许可审批的项目）、"
    "信息技术咨询服务、电动汽车充电基础设施运营、物联网应用服务",
    "农业": "谷物种植、蔬菜种植、水果种植、花卉种植、茶叶种植、中草药种植、"
    "食用菌种植、农作物栽培服务、农业机械服务、农业生产托管服务、农作物病虫害防治服务、"
    "灌溉服务、农产品的生产、销售、加工、运输、贮藏及其他相关服务、"
    "休闲观光活动、农业专业及辅助性活动、智能农业管理、水产养殖（不含苗种）、"
    "牲畜销售、家禽饲养、林业产品销售、园艺产品种植、农业园艺服务",
    "建筑": "工程管理服务、园林绿化工程施工、土石方工程施工、住宅水电安装维护服务、"
    "建筑物清洁服务、普通机械设备安装服务、对外承包工程、体育场地设施工程施工、"
    "金属门窗工程施工、家具安装和维修服务、建筑装饰材料销售、"
    "室内木门窗安装服务、工程技术服务（规划管理、勘察、设计、监理除外）",
}

# wording|licence needed
LICENSED = """食品销售|食品经营许可证
餐饮服务|食品经营许可证
食品生产|食品生产许可证
小餐饮、小食杂、食品小作坊经营|小餐饮登记证
食品互联网销售|食品经营许可证
酒类经营|酒类商品零售许可
烟草制品零售|烟草专卖零售许可证
药品零售|药品经营许可证
药品批发|药品经营许可证
第三类医疗器械经营|医疗器械经营许可证
第二类医疗器械生产|医疗器械生产许可证
医疗服务|医疗机构执业许可证
诊所服务|医疗机构执业许可证
道路货物运输（不含危险货物）|道路运输经营许可证
道路旅客运输经营|道路运输经营许可证
网络预约出租汽车经营服务|网络预约出租汽车经营许可证
水路普通货物运输|水路运输许可证
港口经营|港口经营许可证
危险化学品经营|危险化学品经营许可证
危险化学品生产|安全生产许可证
成品油零售|成品油零售经营批准证书
燃气经营|燃气经营许可证
建设工程施工|建筑业企业资质证书
建设工程设计|工程设计资质证书
建设工程监理|工程监理资质证书
建筑劳务分包|建筑业企业资质证书
特种设备安装改造修理|特种设备生产许可证
特种设备检验检测|特种设备检验检测机构核准证
消防技术服务|消防技术服务机构资质
第二类增值电信业务|增值电信业务经营许可证
第一类增值电信业务|增值电信业务经营许可证
互联网信息服务|互联网信息服务增值电信业务经营许可证
出版物零售|出版物经营许可证
出版物批发|出版物经营许可证
网络文化经营|网络文化经营许可证
营业性演出|营业性演出许可证
演出经纪|营业性演出许可证
广播电视节目制作经营|广播电视节目制作经营许可证
电影放映|电影放映经营许可证
歌舞娱乐活动|娱乐经营许可证
游艺娱乐活动|娱乐经营许可证
高危险性体育运动（游泳）|高危险性体育项目经营许可证
住宿服务|特种行业许可证
公共场所卫生许可经营项目（美容、美发）|公共场所卫生许可证
生活美容服务|公共场所卫生许可证
旅游业务|旅行社业务经营许可证
人力资源服务（不含职业中介活动、劳务派遣服务）|人力资源服务许可证
职业中介活动|人力资源服务许可证
劳务派遣服务|劳务派遣经营许可证
保安服务|保安服务许可证
校外培训（学科类）|民办学校办学许可证
职业技能培训|民办学校办学许可证
兽药经营|兽药经营许可证
饲料生产|饲料生产许可证
农药零售|农药经营许可证
农作物种子经营|农作物种子生产经营许可证
水产苗种生产|水产苗种生产许可证
动物诊疗|动物诊疗许可证
生猪屠宰|生猪定点屠宰证
林木种子生产经营|林木种子生产经营许可证
城市生活垃圾经营性服务|城市生活垃圾经营性清扫、收集、运输、处理服务许可证
危险废物经营|危险废物经营许可证
放射性物品运输|放射性物品道路运输许可证
民用航空器驾驶员培训|民用航空器驾驶员学校合格证
报关业务|报关单位备案
检验检测服务|检验检测机构资质认定证书
测绘服务|测绘资质证书
房地产开发经营|房地产开发企业资质证书
典当|典当经营许可证
快递服务|快递业务经营许可证"""

# word|kind|reason — 《企业名称登记管理规定》 and its implementing measures.
WORDS = """党中央|banned|party and state organs
国务院|banned|party and state organs
中央军委|banned|party and state organs
解放军|banned|armed forces
武警|banned|armed forces
人大|banned|state organs
政协|banned|state organs
法西斯|banned|harms public order and good customs
赌场|banned|harms public order and good customs
色情|banned|harms public order and good customs
迷信|banned|harms public order and good customs
邪教|banned|harms public order and good customs
恐怖|banned|harms public order and good customs
黑社会|banned|harms public order and good customs
毒品|banned|harms public order and good customs
第一|banned|misleading superlative
最佳|banned|misleading superlative
中国|restricted|needs State Council approval (国务院批准)
中华|restricted|needs State Council approval (国务院批准)
全国|restricted|needs State Council approval (国务院批准)
国家|restricted|needs State Council approval (国务院批准)
国际|restricted|needs State Council approval (国务院批准)
中央|restricted|needs State Council approval (国务院批准)
江苏|restricted|provincial name as a trade name needs approval
奥林匹克|restricted|protected symbol (奥林匹克标志保护条例)
红十字|restricted|protected symbol (红十字会法)
银行|restricted|financial licence required (金融许可)
证券|restricted|financial licence required (金融许可)
保险|restricted|financial licence required (金融许可)
基金|restricted|financial licence required (金融许可)"""

def general_items() -> list[tuple[str, str]]:
    seen, rows = set(), []
    for industry, text in GENERAL.items():
        for wording in text.split("、"):
            wording = wording.strip()
            if wording and wording not in seen:
                seen.add(wording)
                rows.append((industry, wording))
    return rows


def licensed_items() -> list[tuple[str, str]]:
    return [tuple(line.split("|", 1)) for line in LICENSED.splitlines() if line.strip()]


def catalogue_load(ScopeItem, BannedWord) -> int:
    """Seed (idempotently) the scope catalogue and the word list; models may be historical."""
    n = 0
    for i, (industry, wording) in enumerate(general_items(), start=1):
        _obj, created = ScopeItem.objects.get_or_create(
            code=f"G{i:04d}",
            defaults={"wording": wording, "category": "general", "industry": industry},
        )
        n += created
    for i, (wording, licence) in enumerate(licensed_items(), start=1):
        _obj, created = ScopeItem.objects.get_or_create(
            code=f"L{i:04d}",
            defaults={"wording": wording, "category": "licensed", "licence_needed": licence},
        )
        n += created
    for line in WORDS.splitlines():
        word, kind, reason = line.split("|")
        BannedWord.objects.get_or_create(word=word, defaults={"kind": kind, "reason": reason})
    return n
