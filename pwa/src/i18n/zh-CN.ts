// zh-CN is the source catalog: every key the UI uses is defined here first.
// Placeholders are written {name} and filled by t(key, { name }).
export const zhCN = {
  'app.name': 'Fieldkeep 现场',
  'app.loading': '正在加载…',

  'lang.label': '语言',
  'lang.zh-CN': '中文',
  'lang.en': 'English',

  'login.title': '登录',
  'login.username': '用户名',
  'login.password': '密码',
  'login.submit': '登录',
  'login.busy': '正在登录…',
  'login.missing': '请输入用户名和密码。',
  'login.session_expired': '登录已过期，请重新登录。',
  'login.signed_out': '已退出登录。',

  'net.offline': '离线',
  'net.offline_hint': '当前无网络，已保存的内容仍可使用。',

  'update.available': '新版本可用',
  'update.reload': '重新加载',

  'home.sites': '我的项目',
  'home.no_sites': '尚未分配项目。',
  'home.roles': '角色',
  'home.coming': '即将推出',
  'home.no_roles': '该账号尚未分配角色，请联系系统管理员。',
  'home.settings': '设置',

  'role.patrol': '客服专员',
  'role.environment': '环境主管',
  'role.cashier': '车辆收费员',
  'role.supervisor': '客服主管',
  'role.manager': '客户服务部经理',
  'role.admin': '系统管理员',

  'feature.vacant_patrol': '空置房巡查',
  'feature.keys': '钥匙管理',
  'feature.review': '审核',
  'feature.parking_shift': '停车收费班次',
  'feature.vendor_inspection': '外委单位检查',
  'feature.reports': '报表',
  'feature.master_data': '基础数据',

  'settings.title': '设置',
  'settings.back': '返回',
  'settings.language': '界面语言',
  'settings.account': '账号',
  'settings.signed_in_as': '当前用户：{name}（{username}）',
  'settings.sign_out': '退出登录',
  'settings.signing_out': '正在退出…',
  'settings.version': '版本 {version}',

  'error.invalid_credentials': '用户名或密码错误。',
  'error.rate_limited': '尝试次数过多，请 {seconds} 秒后再试。',
  'error.rate_limited_nowait': '尝试次数过多，请稍后再试。',
  'error.csrf_failed': '安全校验失败，请刷新页面后重试。',
  'error.not_authenticated': '请先登录。',
  'error.forbidden': '没有执行此操作的权限。',
  'error.network': '无法连接服务器，请检查网络后重试。',
  'error.bad_response': '服务器返回了无法识别的数据。',
  'error.server': '服务器出错，请稍后再试。',
  'error.unknown': '出现未知错误，请重试。',
} as const;

export type MessageKey = keyof typeof zhCN;
