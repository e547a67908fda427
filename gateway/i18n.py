"""The one message catalogue: every text a person reads from the core, in Chinese and English."""
from __future__ import annotations

from typing import Literal

Lang = Literal["zh", "en"]

MESSAGES: dict[str, dict[Lang, str]] = {
    "body_too_large": {"zh": "请求内容过大（上限 {limit} 字节）。", "en": "Request body too large (limit {limit} bytes)."},
    "invalid_json": {"zh": "请求内容不是有效的 JSON。", "en": "Request body is not valid JSON."},
    "invalid_utf8": {"zh": "请求内容不是有效的 UTF-8 编码。", "en": "Request body is not valid UTF-8."},
    "invalid_field": {"zh": "字段 {field} 无效：{detail}", "en": "Field {field} is invalid: {detail}"},
    "missing_field": {"zh": "缺少必填字段 {field}。", "en": "Required field {field} is missing."},
    "text_required": {"zh": "请描述问题（内容不能为空）。", "en": "Please describe the problem (text must not be empty)."},
    "text_too_long": {"zh": "描述过长（上限 {limit} 字）。", "en": "Description too long (limit {limit} characters)."},
    "unknown_crs": {"zh": "未知的坐标系 {crs}（可用：wgs84、gcj02、bd09、cgcs2000）。", "en": "Unknown coordinate system {crs} (use wgs84, gcj02, bd09 or cgcs2000)."},
    "lat_out_of_range": {"zh": "纬度必须在 -90 到 90 之间。", "en": "Latitude must be between -90 and 90."},
    "lon_out_of_range": {"zh": "经度必须在 -180 到 180 之间。", "en": "Longitude must be between -180 and 180."},
    "lat_not_finite": {"zh": "纬度必须是有限的数字。", "en": "Latitude must be a finite number."},
    "lon_not_finite": {"zh": "经度必须是有限的数字。", "en": "Longitude must be a finite number."},
    "coordinate_not_a_number": {"zh": "坐标必须是数字。", "en": "Coordinates must be numbers."},
    "unknown_class": {"zh": "未知的分类 {class_id}。", "en": "Unknown class {class_id}."},
    "unauthorized": {"zh": "需要有效的 API 密钥。", "en": "A valid API key is required."},
    "forbidden": {"zh": "没有权限执行此操作。", "en": "You are not allowed to do this."},
    "not_found": {"zh": "未找到。", "en": "Not found."},
    "case_not_found": {"zh": "未找到案件 {case}。", "en": "Case {case} not found."},
    "unknown_platform": {"zh": "未知的平台 {platform}。", "en": "Unknown platform {platform}."},
    "bad_signature": {"zh": "签名无效。", "en": "Invalid signature."},
    "stale_signature": {"zh": "签名时间戳超出允许范围。", "en": "Signature timestamp outside the allowed window."},
    "replayed": {"zh": "该回调已处理过（重放）。", "en": "This callback was already received (replay)."},
    "invalid_transition": {"zh": "案件 {case} 不能从“{from_status}”变为“{to_status}”。", "en": "Case {case} cannot move from {from_status} to {to_status}."},
    "unknown_status": {"zh": "未知的状态 {status}。", "en": "Unknown status {status}."},
    "cannot_merge_self": {"zh": "不能把案件合并到它自己。", "en": "A case cannot be merged into itself."},
    "case_not_open": {"zh": "案件 {case} 已是“{status}”状态，不能合并。", "en": "Case {case} is {status} and cannot be merged."},
    "case_not_merged": {"zh": "案件 {case} 没有被合并过。", "en": "Case {case} has not been merged."},
    "case_merged": {"zh": "案件 {case} 已合并到其他案件，请处理合并后的案件。", "en": "Case {case} was merged into another case; act on that one."},
    "case_voided": {"zh": "案件 {case} 已作废。", "en": "Case {case} has been voided."},
    "case_not_voidable": {"zh": "案件 {case} 已是“{status}”状态，不能作废。", "en": "Case {case} is {status} and cannot be voided."},
    "case_not_possible_duplicate": {"zh": "案件 {case} 没有在等待重复判断。", "en": "Case {case} is not waiting for a duplicate decision."},
    "void_reason_required": {"zh": "请写明作废的原因。", "en": "Please give the reason for voiding."},
    "void_reason_too_long": {"zh": "作废原因过长（上限 {limit} 字）。", "en": "The reason is too long (limit {limit} characters)."},
    "image_empty": {"zh": "没有收到图片内容。", "en": "The upload is empty."},
    "image_unsupported_format": {"zh": "只接受 JPEG、PNG 或 WebP 图片。", "en": "Only JPEG, PNG or WebP images are accepted."},
    "image_corrupt": {"zh": "图片已损坏，无法读取。", "en": "The image is damaged and cannot be read."},
    "image_too_large": {"zh": "图片像素过多（{width}×{height}，上限 {max_pixels} 像素），请缩小后重新发送。",
                        "en": "The image has too many pixels ({width}×{height}; the limit is {max_pixels}). Please send a smaller one."},
    "image_format_mismatch": {"zh": "文件内容与图片格式不符。", "en": "The file content does not match its image format."},
    "feedback_not_closed": {"zh": "案件 {case} 尚未结案，结案后才能评价。", "en": "Case {case} is not closed yet; feedback opens once it is closed."},
    "not_dead_letter": {"zh": "投递 {delivery} 不在死信队列中。", "en": "Delivery {delivery} is not a dead letter."},
    "unknown_edition": {"zh": "未知的编码标准版本 {edition}（可用：{editions}）。", "en": "Unknown code edition {edition} (use {editions})."},
    "classifier_unavailable": {"zh": "分类模型尚未加载，暂时无法自动分类。", "en": "No classification model is loaded; automatic classification is unavailable."},
    "rule_unknown_class": {"zh": "规则 {rule}：未知的分类 {class_id}。", "en": "Rule {rule}: unknown class {class_id}."},
    "rule_bad_regex": {"zh": "规则 {rule}：正则表达式 {regex} 无效。", "en": "Rule {rule}: invalid regular expression {regex}."},
    "rule_regex_too_long": {"zh": "规则 {rule}：正则表达式过长（上限 {limit} 个字符）。", "en": "Rule {rule}: the regular expression is too long (limit {limit} characters)."},
    "rule_regex_backtracks": {"zh": "规则 {rule}：正则表达式 {regex} 含有嵌套的重复（如 (a+)+），匹配时可能极慢，请改写。",
                              "en": "Rule {rule}: the regular expression {regex} repeats a repetition (like (a+)+) and could take very long to match; rewrite it."},
    "rule_bad_priority": {"zh": "规则 {rule}：优先级须为 {low} 到 {high} 之间的整数。", "en": "Rule {rule}: the priority must be a whole number from {low} to {high}."},
    "rule_empty_keyword": {"zh": "规则 {rule}：{field} 中的关键词不能为空。", "en": "Rule {rule}: keywords in {field} must not be empty."},
    "rule_no_condition": {"zh": "规则 {rule}：至少需要 all_of、any_of 或 regex 中的一项。", "en": "Rule {rule}: needs at least one of all_of, any_of or regex."},
    "rule_needs_boost": {"zh": "规则 {rule}：加权规则的 boost 必须大于 0。", "en": "Rule {rule}: a boost rule needs a boost above 0."},
    "rule_invalid_field": {"zh": "规则 {rule}：字段 {field} 无效。", "en": "Rule {rule}: field {field} is invalid."},
    "rule_duplicate_id": {"zh": "规则编号 {rule} 重复出现。", "en": "Rule id {rule} is used more than once."},
    "rule_set_not_found": {"zh": "未找到规则集版本 {version}。", "en": "Rule set version {version} not found."},
    "job_not_found": {"zh": "未找到任务 {job}。", "en": "Job {job} not found."},
    "method_not_allowed": {"zh": "不支持该请求方法。", "en": "Method not allowed."},
    "json_too_deep": {"zh": "请求内容嵌套过深（上限 {limit} 层）。", "en": "Request body is nested too deeply (limit {limit} levels)."},
    "unsupported_media_type": {"zh": "请求内容必须以 application/json 格式发送。", "en": "The request body must be sent as application/json."},
    "nul_character": {"zh": "{field} 含有不允许的空字符（NUL）。", "en": "{field} contains a NUL character, which is not allowed."},
    "media_url_invalid": {"zh": "媒体地址必须是 http 或 https 网址，或本网关的 /media/ 地址。",
                          "en": "A media URL must be an http or https address, or one of the gateway's /media/ paths."},
    "datetime_out_of_range": {"zh": "字段 {field} 的时间超出可处理的范围。", "en": "Field {field} is a date-time outside the range that can be handled."},
    "received_at_out_of_range": {"zh": "接收时间必须在 {earliest} 年之后，且不能晚于当前时间。",
                                 "en": "received_at must be after the year {earliest} and not in the future."},
    "metrics_token_required": {"zh": "需要有效的指标访问令牌（Authorization: Bearer）。", "en": "A valid metrics token is required (Authorization: Bearer)."},
    "metrics_local_only": {"zh": "指标只对本机开放；要从其他机器抓取，请设置 metrics_token。",
                           "en": "Metrics are served to this machine only; set metrics_token to scrape them from elsewhere."},
    "open311_api_key": {"zh": "api_key 缺失或无效。", "en": "api_key is missing or not valid."},
    "open311_unknown_service": {"zh": "未知的 service_code {service}。", "en": "service_code {service} not found."},
    "open311_location_required": {"zh": "需要位置：lat 和 long、address_string 或 address_id。",
                                  "en": "A location is required: lat and long, address_string or address_id."},
    "open311_attribute_value": {"zh": "属性 {attribute} 的取值 {value} 无效（可选：{values}）。", "en": "Attribute {attribute}: {value} is not one of {values}."},
    "open311_body_not_object": {"zh": "JSON 请求内容必须是一个对象，字段与表单相同（api_key、service_code……）。",
                                "en": "A JSON body must be an object with the form's fields (api_key, service_code, …)."},
    "open311_field_not_text": {"zh": "字段 {field} 必须是文字或数字。", "en": "Field {field} must be text or a number."},
    "open311_media_type": {"zh": "请求内容必须是表单（application/x-www-form-urlencoded 或 multipart/form-data）或 JSON（application/json）。",
                           "en": "The body must be a form (application/x-www-form-urlencoded or multipart/form-data) or JSON (application/json)."},
    "internal_error": {"zh": "服务器内部错误，请稍后重试。", "en": "Internal server error, please try again later."},
    "starting": {"zh": "服务正在启动，暂未受理，请 {seconds} 秒后重试。", "en": "The service is starting and takes nothing yet; please try again in {seconds} seconds."},
    "media_link_invalid": {"zh": "媒体链接无效。", "en": "This media link is not valid."},
    "media_link_expired": {"zh": "媒体链接已过期。", "en": "This media link has expired."},
    "field_token_required": {"zh": "需要已登记设备的令牌，请用管理员给的二维码登记本机。",
                             "en": "A token of an enrolled phone is required: enrol this phone with the QR code an administrator gives you."},
    "field_device_revoked": {"zh": "本机的登记已被撤销，请联系管理员重新登记。", "en": "This phone's enrolment was revoked; ask an administrator to enrol it again."},
    "field_account_not_field": {"zh": "账号 {username} 不是启用的监督员或社区联络员账号。",
                                "en": "Account {username} is not an enabled supervisor or community liaison account."},
    "field_enrol_invalid": {"zh": "登记码无效、已用过或已过期，请让管理员重新生成二维码。",
                            "en": "The enrolment code is not valid, was used or has expired; ask an administrator for a new QR code."},
    "field_photo_required": {"zh": "请先拍照：上报至少需要一张照片。", "en": "Take a photo first: a report needs at least one photo."},
    "field_gps_required": {"zh": "没有定位，照片不能上报：请打开手机定位，等定位成功后再发送。",
                           "en": "No GPS position, so the photo cannot be reported: turn on location and send once the phone has a fix."},
    "field_gps_inaccurate": {"zh": "定位精度为 {accuracy} 米，差于允许的 {limit} 米：请到开阔处等待定位变准后重试。",
                             "en": "The GPS fix is only accurate to {accuracy} m, worse than the {limit} m allowed: move into the open and try again."},
    "field_gps_rough": {"zh": "定位精度为 {accuracy} 米，较粗，请核对位置。", "en": "The GPS fix is rough ({accuracy} m): check the place."},
    "field_outside_grids": {"zh": "位置距您负责的网格 {distance} 米，超出允许的 {limit} 米，不能上报。",
                            "en": "The position is {distance} m outside your grids, more than the {limit} m allowed; it cannot be reported."},
    "field_no_grids": {"zh": "您的账号还没有分配网格，请联系管理员。", "en": "No grid is assigned to your account yet; ask an administrator."},
    "field_clock_wrong": {"zh": "手机时间与服务器相差约 {minutes} 分钟，已按服务器时间更正，请校准手机时间。",
                          "en": "The phone's clock is about {minutes} minutes off the server's; times were corrected. Please set the phone's clock."},
    "field_report_id_taken": {"zh": "编号 {id} 已被其他账号的上报使用。", "en": "Id {id} is already used by another account's report."},
    "field_track_no_consent": {"zh": "未同意记录巡查轨迹，位置未保存。", "en": "No consent to a patrol track: the positions were not kept."},
    "task_not_found": {"zh": "未找到任务 {task}。", "en": "Task {task} not found."},
    "task_withdrawn": {"zh": "任务 {task} 已被平台撤回，无需再回复。", "en": "Task {task} was withdrawn by the platform; no answer is needed."},
    "task_already_answered": {"zh": "任务 {task} 已经回复过，不能再次回复。", "en": "Task {task} was already answered; it cannot be answered again."},
    "task_taken": {"zh": "任务 {task} 已由其他监督员接收。", "en": "Task {task} was taken by another supervisor."},
    "task_not_yours": {"zh": "任务 {task} 没有派给您。", "en": "Task {task} is not offered to you."},
    "task_result_invalid": {"zh": "结果 {result} 不适用于此任务（可选：{allowed}）。", "en": "Result {result} does not fit this task (use {allowed})."},
}


class InputError(ValueError):
    """Bad input with a catalogue code and the parameters its message needs."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code, self.params = code, params


STATUS_NAMES: dict[str, dict[Lang, str]] = {
    "accepted": {"zh": "已受理", "en": "accepted"},
    "filed": {"zh": "已立案", "en": "registered as a case"},
    "dispatched": {"zh": "已派遣处置单位", "en": "assigned to the department in charge"},
    "disposed": {"zh": "已处置", "en": "dealt with"},
    "verified": {"zh": "已核查", "en": "checked on site"},
    "closed": {"zh": "已结案", "en": "closed"},
    "voided": {"zh": "不予立案（作废）", "en": "not taken up (voided)"},
}

MESSAGES["status_update"] = {
    "zh": "【城市管理】您反映的问题（案件编号 {case}）{status}。{note}",
    "en": "[City services] Your report (case {case}) has been {status}. {note}",
}


def render(catalogue: dict[str, dict[Lang, str]], code: str, lang: str, **params: object) -> str:
    """An entry of a bilingual catalogue in `lang` (zh unless en), its {placeholders} filled."""
    return catalogue[code]["en" if lang == "en" else "zh"].format(**params)


def message(code: str, lang: str, **params: object) -> str:
    """The text of an entry of the core's catalogue."""
    return render(MESSAGES, code, lang, **params)


def negotiate(accept_language: str | None, explicit: str | None = None) -> Lang:
    """Pick zh or en: an explicit choice first, else the first supported Accept-Language entry."""
    if explicit in ("zh", "en"):
        return explicit  # type: ignore[return-value]
    ranked: list[tuple[float, str]] = []
    for part in (accept_language or "").split(","):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        ranked.append((weight, tag.strip().lower()))
    for _, tag in sorted(ranked, key=lambda item: -item[0]):
        if tag.startswith("en"):
            return "en"
        if tag.startswith("zh"):
            return "zh"
    return "zh"
