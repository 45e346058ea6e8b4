/* Tests for links: 超大附件 and cloud-drive links in mail bodies as the
 * mailers and drives write them, signature links that are no material,
 * HTML entities, limits. */
#include "links.h"
#include "test.h"
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct want {
	const char *service, *url, *expiry, *code;
};

struct link_case {
	const char *name;
	enum links_format format;
	const char *text;
	struct want want[3];     /* up to the first with url == NULL */
};

#define QQ "QQ邮箱超大附件"
#define EXMAIL "腾讯企业邮箱超大附件"
#define NETEASE "网易邮箱超大附件"
#define ONEDRIVE "OneDrive/SharePoint"

static const char qq_html[] =
	"<div>各位老师好，我司“好服务”案例材料见超大附件，请查收。</div><div><br></div>\n"
	"<div>杭州阳光物业服务有限公司 张三 <a href=\"https://www.yangguang-wuye.com\" "
	"target=\"_blank\">www.yangguang-wuye.com</a></div>\n"
	"<div id=\"BigAttach\" style=\"padding:2px;margin-bottom:15px;background-color:#e8f0fc;\">\n"
	"<div style=\"padding:10px 0;font-size:12px;\"><b>从QQ邮箱发来的超大附件</b></div>\n"
	"<div style=\"padding:10px 0;font-size:12px;\">\n"
	"<div title=\"阳光花园+夜间巡逻服务视频.mp4&#10;&#13;文件大小：512.30M&#10;&#13;"
	"到期时间：2026年08月12日 15:40\" class=\"bigatt_bt\">\n"
	"<div style=\"float:left;margin:2px 8px 0 0;\"><a target=\"_blank\" "
	"href=\"https://wx.mail.qq.com/ftn/download?func=3&amp;k=8c3a6f2e1d0b4a59&amp;"
	"key=8c3a6f2e1d0b4a59&amp;code=7684decd\"><img border=\"0\" "
	"src=\"http://res.mail.qq.com/zh_CN/htmledition/images/fj/fu_mp4.gif\"/></a></div>\n"
	"<div class=\"name_big\"><span class='qqmailbgattach' expiretime=\"1786520400\" "
	"downloadlink=\"https://wx.mail.qq.com/ftn/download?func=3&amp;k=8c3a6f2e1d0b4a59&amp;"
	"key=8c3a6f2e1d0b4a59&amp;code=7684decd\"><a style=\"color:#000;text-decoration:none;\" "
	"target=\"_blank\" href=\"https://wx.mail.qq.com/ftn/download?func=3&amp;"
	"k=8c3a6f2e1d0b4a59&amp;key=8c3a6f2e1d0b4a59&amp;code=7684decd\">"
	"阳光花园+夜间巡逻服务视频.mp4</a><span style=\"color:#A0A0A0;\"> (512.30M, "
	"2026年8月12日 15:40 到期)</span></span>\n"
	"<div class=\"down_big\"><a target=\"_blank\" href=\"https://wx.mail.qq.com/ftn/download?"
	"func=3&amp;k=8c3a6f2e1d0b4a59&amp;key=8c3a6f2e1d0b4a59&amp;code=7684decd\">"
	"查看下载信息</a></div></div></div>\n"
	"<div title=\"阳光花园+夜间巡逻照片.zip&#10;&#13;文件大小：88.00M&#10;&#13;"
	"到期时间：2026年08月13日 09:05\" class=\"bigatt_bt\">\n"
	"<div style=\"float:left;margin:2px 8px 0 0;\"><a target=\"_blank\" "
	"href=\"https://wx.mail.qq.com/ftn/download?func=3&amp;k=51e0a2b9c7d4&amp;"
	"key=51e0a2b9c7d4&amp;code=3ab49ebe\"><img border=\"0\" "
	"src=\"http://res.mail.qq.com/zh_CN/htmledition/images/fj/fu_zip.gif\"/></a></div>\n"
	"<div class=\"name_big\"><span class='qqmailbgattach'><a style=\"color:#000;\" "
	"target=\"_blank\" href=\"https://wx.mail.qq.com/ftn/download?func=3&amp;"
	"k=51e0a2b9c7d4&amp;key=51e0a2b9c7d4&amp;code=3ab49ebe\">阳光花园+夜间巡逻照片.zip</a>"
	"<span style=\"color:#A0A0A0;\"> (88.00M, 2026年8月13日 09:05 到期)</span></span>\n"
	"<div class=\"down_big\"><a target=\"_blank\" href=\"https://wx.mail.qq.com/ftn/download?"
	"func=3&amp;k=51e0a2b9c7d4&amp;key=51e0a2b9c7d4&amp;code=3ab49ebe\">查看下载信息</a>"
	"</div></div></div>\n</div></div>\n";

static const char netease_html[] =
	"<div style=\"line-height:1.7;color:#000000;font-size:14px;font-family:Arial\">"
	"<div>您好，我司案例材料较大，通过网易邮箱超大附件发送，请查收。</div></div>\n"
	"<div style=\"clear:both;padding:4px;background:#dee8f2;font-family:verdana,Arial,"
	"Helvetica,sans-serif;margin-top:10px;margin-bottom:15px\">\n"
	"<div style=\"padding:4px 8px 8px;line-height:16px;font-size:14px\">"
	"<b>从网易163邮箱发来的超大附件</b><a class=\"bigattach-mailmaster-download\" "
	"href=\"http://u.163.com/RcUwvU56g?spm=pos.free_webmail_1.composePage.0.0."
	"bigattachMasterDownLoad\">推荐客户端极速下载</a></div>\n"
	"<div style=\"background:#fff;padding:4px\">\n"
	"<div style=\"clear:both;height:36px;padding:6px 4px\"><div style=\"float:left;width:36px\">"
	"<a href=\"https://mail.163.com/large-attachment-download/index.html?p=X-NETEASE-HUGE-"
	"ATTACHMENT&amp;file=djAyZG1meTh2SzFhQ2Rk\" download filename=\"阳光花园+夜间巡逻.mp4\">"
	"<img src=\"https://mimg.127.net/xm/all/fj/ico-bfile-6.gif\" border=\"0\"></a></div>\n"
	"<div><div style=\"padding:0px;line-height:14px;font-size:12px\">"
	"<a style=\"color:#000;text-decoration:none\" href=\"https://mail.163.com/large-"
	"attachment-download/index.html?p=X-NETEASE-HUGE-ATTACHMENT&amp;file=djAyZG1meTh2SzFhQ2Rk\" "
	"download filename=\"阳光花园+夜间巡逻.mp4\">阳光花园+夜间巡逻.mp4</a>"
	"<span style=\"color:#bbb\"> (80.96M, 2026年8月17日 0:49 到期)</span></div>\n"
	"<div style=\"padding:4px 0px;line-height:14px;font-size:12px\"><a href=\"https://mail."
	"163.com/large-attachment-download/index.html?p=X-NETEASE-HUGE-ATTACHMENT&amp;"
	"file=djAyZG1meTh2SzFhQ2Rk\">下载</a></div></div></div>\n"
	"<div style=\"clear:both;height:36px;padding:6px 4px\"><div style=\"float:left;width:36px\">"
	"<a href=\"https://mail.163.com/large-attachment-download/index.html?p=X-NETEASE-HUGE-"
	"ATTACHMENT&amp;file=Yk9xQ2ZhM3R5\"><img src=\"https://mimg.127.net/xm/all/fj/"
	"ico-bfile-4.gif\" border=\"0\"></a></div>\n"
	"<div><div style=\"padding:0px;line-height:14px;font-size:12px\"><a style=\"color:#000\" "
	"href=\"https://mail.163.com/large-attachment-download/index.html?p=X-NETEASE-HUGE-"
	"ATTACHMENT&amp;file=Yk9xQ2ZhM3R5\">推荐表（盖章）.pdf</a><span style=\"color:#bbb\"> "
	"(12.50M, 2026年8月18日 10:00 到期)</span></div>\n"
	"<div style=\"padding:4px 0px;font-size:12px\"><a href=\"https://mail.163.com/large-"
	"attachment-download/index.html?p=X-NETEASE-HUGE-ATTACHMENT&amp;file=Yk9xQ2ZhM3R5\">"
	"下载</a></div></div></div>\n"
	"</div></div>\n";

static const char outlook_html[] =
	"<html xmlns:o=\"urn:schemas-microsoft-com:office:office\"><head>"
	"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">"
	"<style><!-- p.MsoNormal {margin:0cm; font-family:DengXian;} a:link "
	"{color:#0563C1;} --></style></head>\n"
	"<body lang=\"ZH-CN\" link=\"#0563C1\"><div class=\"WordSection1\">\n"
	"<p class=\"MsoNormal\">各位老师好：<o:p></o:p></p>\n"
	"<p class=\"MsoNormal\">案例材料超过附件大小限制，已通过 OneDrive 共享，请下载。<o:p></o:p></p>\n"
	"<div style=\"border:solid #E1DFDD 1.0pt;padding:6.0pt\"><table border=\"0\"><tr>"
	"<td><img width=\"20\" height=\"20\" src=\"https://r1.res.office365.com/owa/prem/images/"
	"dc-zip_20.png\"></td><td><p class=\"MsoNormal\"><a href=\"https://1drv.ms/u/s!AkLmNoPq"
	"RsTuVwXy?e=AbCdEf\">好服务案例材料.zip</a></p></td></tr></table></div>\n"
	"<p class=\"MsoNormal\"><a href=\"https://contoso-my.sharepoint.com/:v:/g/personal/"
	"zhangsan_contoso_com/EaBcDeFgHiJkLmN?e=XyZ123\">夜间巡逻视频.mp4</a><o:p></o:p></p>\n"
	"<p class=\"MsoNormal\">张三 | 阳光物业<o:p></o:p></p>\n"
	"<img width=\"1\" height=\"1\" src=\"https://mail.163.com/large-attachment-download/"
	"open.gif?id=abc123\" alt=\"\">\n"
	"</div></body></html>\n";

static const struct link_case link_cases[] = {
	{ "QQ Mail text/plain (wx.mail.qq.com)", LINKS_FORMAT_DETECT,
	  "各位老师好：\n\n附件是我司申报“好服务”案例的材料，视频较大，用超大附件发送，请查收。\n\n"
	  "杭州阳光物业服务有限公司  张三\n电话：0571-88888888\n"
	  "网址：https://www.yangguang-wuye.com\n\n"
	  "从QQ邮箱发来的超大附件\n\n"
	  "阳光花园+夜间巡逻服务视频.mp4 (512.30M, 2026年8月12日 15:40 到期)进入下载页面："
	  "https://wx.mail.qq.com/ftn/download?func=3&k=8c3a6f2e1d0b4a59e2f1&"
	  "key=8c3a6f2e1d0b4a59e2f1&code=7684decd\n",
	  { { QQ, "https://wx.mail.qq.com/ftn/download?func=3&k=8c3a6f2e1d0b4a59e2f1&"
	      "key=8c3a6f2e1d0b4a59e2f1&code=7684decd", "2026年8月12日 15:40", NULL } } },
	{ "QQ Mail text/plain, two files, CRLF (mail.qq.com ftnExs)", LINKS_FORMAT_DETECT,
	  "从QQ邮箱发来的超大附件\r\n\r\n"
	  "阳光花园+夜间巡逻.zip (1.20G, 2026年8月13日 09:05 到期)进入下载页面：http://mail.qq.com/"
	  "cgi-bin/ftnExs_download?t=exs_ftn_download&k=7d363834fce09c93f603333f&code=7684decd\r\n"
	  "推荐表扫描件.pdf (56.10M, 2026年8月14日 21:59 到期)进入下载页面：http://mail.qq.com/"
	  "cgi-bin/ftnExs_download?t=exs_ftn_download&k=0d6162347c50eb9910e02818&code=3ab49ebe\r\n",
	  { { QQ, "http://mail.qq.com/cgi-bin/ftnExs_download?t=exs_ftn_download&"
	      "k=7d363834fce09c93f603333f&code=7684decd", "2026年8月13日 09:05", NULL },
	    { QQ, "http://mail.qq.com/cgi-bin/ftnExs_download?t=exs_ftn_download&"
	      "k=0d6162347c50eb9910e02818&code=3ab49ebe", "2026年8月14日 21:59", NULL } } },
	{ "QQ Mail text/html, two files", LINKS_FORMAT_DETECT, qq_html,
	  { { QQ, "https://wx.mail.qq.com/ftn/download?func=3&k=8c3a6f2e1d0b4a59&"
	      "key=8c3a6f2e1d0b4a59&code=7684decd", "2026年8月12日 15:40", NULL },
	    { QQ, "https://wx.mail.qq.com/ftn/download?func=3&k=51e0a2b9c7d4&"
	      "key=51e0a2b9c7d4&code=3ab49ebe", "2026年8月13日 09:05", NULL } } },
	{ "QQ Mail html, expiry only in the title", LINKS_FORMAT_HTML,
	  "<div title=\"服务视频.mp4&#10;&#13;文件大小：512.30M&#10;&#13;到期时间：2026年08月12日 15:40\" "
	  "class=\"bigatt_bt\"><a href=\"https://mail.qq.com/cgi-bin/ftnExs_download?k=5a6b&amp;"
	  "t=exs_ftn_download&amp;code=c0de\"><img src=\"http://res.mail.qq.com/fu_mp4.gif\"></a>"
	  "</div>",
	  { { QQ, "https://mail.qq.com/cgi-bin/ftnExs_download?k=5a6b&t=exs_ftn_download&code=c0de",
	      "2026年08月12日 15:40", NULL } } },
	{ "163 Mail text/html, two files, MailMaster ad", LINKS_FORMAT_DETECT, netease_html,
	  { { NETEASE, "https://mail.163.com/large-attachment-download/index.html?p=X-NETEASE-"
	      "HUGE-ATTACHMENT&file=djAyZG1meTh2SzFhQ2Rk", "2026年8月17日 0:49", NULL },
	    { NETEASE, "https://mail.163.com/large-attachment-download/index.html?p=X-NETEASE-"
	      "HUGE-ATTACHMENT&file=Yk9xQ2ZhM3R5", "2026年8月18日 10:00", NULL } } },
	{ "163 Mail text/plain", LINKS_FORMAT_DETECT,
	  "您好，我司案例材料较大，通过网易邮箱超大附件发送，请查收。\n\n"
	  "从网易163邮箱发来的超大附件\n"
	  "阳光花园+夜间巡逻.mp4 (80.96M, 下载有效期至：2026-08-20)\n"
	  "下载地址：https://mail.163.com/large-attachment-download/index.html?p=X-NETEASE-HUGE-"
	  "ATTACHMENT&file=djAyZG1meTh2SzFhQ2Rk\n\n"
	  "-- \n阳光物业 王五\n",
	  { { NETEASE, "https://mail.163.com/large-attachment-download/index.html?p=X-NETEASE-HUGE-"
	      "ATTACHMENT&file=djAyZG1meTh2SzFhQ2Rk", "2026-08-20", NULL } } },
	{ "126 Mail text/plain", LINKS_FORMAT_DETECT,
	  "从网易126邮箱发来的超大附件\n\n"
	  "案例材料汇总.rar（1.05G，有效期至 2026年8月20日）\n"
	  "https://mail.126.com/large-attachment-download/index.html?p=X-NETEASE-HUGE-ATTACHMENT"
	  "&file=ZmFrZTEyNmZpbGU\n",
	  { { NETEASE, "https://mail.126.com/large-attachment-download/index.html?p=X-NETEASE-HUGE-"
	      "ATTACHMENT&file=ZmFrZTEyNmZpbGU", "2026年8月20日", NULL } } },
	{ "网易邮箱大师 html", LINKS_FORMAT_DETECT,
	  "<div>材料请从下面下载：</div><div><a href=\"https://dashi.163.com/html/cloud-attachment-"
	  "download/index.html?key=5a3f9e7d1c&amp;from=mail\">服务视频.mov</a> "
	  "<span style=\"color:#999\">(1.20G, 2026年8月25日 12:00 到期)</span></div>",
	  { { NETEASE, "https://dashi.163.com/html/cloud-attachment-download/index.html?"
	      "key=5a3f9e7d1c&from=mail", "2026年8月25日 12:00", NULL } } },
	{ "163 Mail 2011 html (fs.163.com)", LINKS_FORMAT_DETECT,
	  "<div style=\"background:rgb(222,232,242);padding:4px;clear:both\">\n"
	  "    <div style=\"padding:4px 8px 8px;line-height:16px;font-size:14px\"><b>从网易163邮箱发来的"
	  "超大附件</b></div><div style=\"background:rgb(255,255,255);padding:4px\">\n"
	  "    <div style=\"padding:6px 4px;min-height:36px;clear:both\">\n"
	  "    <div style=\"width:36px;float:left\">\n"
	  "    <a href=\"http://fs.163.com/fs/display/?p=X-NETEASE-HUGE-ATTACHMENT&amp;file=Xt9C6OiQ"
	  "lThxcHl1OlqSAGfB6&amp;title=%E6%B1%9F%E6%A3%AE\" target=\"_blank\">\n"
	  "    <img src=\"cid:ico-bfile-6.gif\"  border=\"0\"></a></div>\n"
	  "    <div><div style=\"padding:0px;line-height:14px;font-size:12px\">\n"
	  "    <a style=\"color:rgb(0,0,0);text-decoration:none\" href=\"http://fs.163.com/fs/"
	  "display/?p=X-NETEASE-HUGE-ATTACHMENT&amp;file=Xt9C6OiQlThxcHl1OlqSAGfB6&amp;"
	  "title=%E6%B1%9F%E6%A3%AE\" target=\"_blank\">江森产品.rar</a>"
	  "                        <span style=\"color:rgb(187,187,187)\"> (60.57M, 2011年12月27日"
	  " 19:39 到期)</span> </div>\n"
	  "    </div></div></div></div>\n",
	  { { NETEASE, "http://fs.163.com/fs/display/?p=X-NETEASE-HUGE-ATTACHMENT&file=Xt9C6OiQ"
	      "lThxcHl1OlqSAGfB6&title=%E6%B1%9F%E6%A3%AE", "2011年12月27日 19:39", NULL } } },
	{ "腾讯企业邮 text/plain", LINKS_FORMAT_DETECT,
	  "从腾讯企业邮箱发来的超大附件\n\n"
	  "阳光物业-好服务案例.zip (65.38M, 2026年08月20日 10:15 到期)进入下载页面："
	  "https://exmail.qq.com/cgi-bin/ftnExs_download?k=0064313327fcc1ce60e3b219&"
	  "t=exs_ftn_download&code=ed13d726&s=email\n",
	  { { EXMAIL, "https://exmail.qq.com/cgi-bin/ftnExs_download?k=0064313327fcc1ce60e3b219&"
	      "t=exs_ftn_download&code=ed13d726&s=email", "2026年08月20日 10:15", NULL } } },
	{ "企业微信邮箱 html (过期时间), login link in signature", LINKS_FORMAT_DETECT,
	  "<div>各位领导：案例材料已通过超大附件发送。</div>\n"
	  "<div style=\"margin-top: 20px\"><div style=\"font-weight: bold\">从企业微信邮箱发来的超大附件</div>\n"
	  "<div style=\"width: 392px; border: 1px solid #e6e6e6; padding: 8px\">\n"
	  "<a href=\"https://exmail.qq.com/ftn/download?func=3&amp;key=4f2a9c1b7e&amp;code=9d2e1c7a"
	  "&amp;k=4f2a9c1b7e\" download>好服务案例材料.zip</a>\n"
	  "<div style=\"opacity: 0.4\">1.20G | 过期时间：2026年8月20日 10:15</div>\n</div></div>\n"
	  "<div>--<br>阳光物业 李四<br><a href=\"https://exmail.qq.com/login\">企业邮箱登录</a> | "
	  "<a href=\"https://work.weixin.qq.com/\">企业微信</a></div>\n",
	  { { EXMAIL, "https://exmail.qq.com/ftn/download?func=3&key=4f2a9c1b7e&code=9d2e1c7a&"
	      "k=4f2a9c1b7e", "2026年8月20日 10:15", NULL } } },
	{ "Outlook html: OneDrive and SharePoint, style, pixel", LINKS_FORMAT_DETECT, outlook_html,
	  { { ONEDRIVE, "https://1drv.ms/u/s!AkLmNoPqRsTuVwXy?e=AbCdEf", NULL, NULL },
	    { ONEDRIVE, "https://contoso-my.sharepoint.com/:v:/g/personal/zhangsan_contoso_com/"
	      "EaBcDeFgHiJkLmN?e=XyZ123", NULL, NULL } } },
	{ "Outlook text/plain: OneDrive 文件", LINKS_FORMAT_DETECT,
	  "张三 与你共享了 OneDrive 文件。若要查看，请单击下面的链接。\n\n"
	  "[https://r1.res.office365.com/owa/prem/images/dc-zip_20.png]"
	  "<https://1drv.ms/u/s!AkLmNoPqRsTuVwXy?e=AbCdEf>\n"
	  "好服务案例材料.zip<https://1drv.ms/u/s!AkLmNoPqRsTuVwXy?e=AbCdEf>\n\n"
	  "夜间巡逻视频.mp4<https://contoso-my.sharepoint.com/:v:/g/personal/zhangsan_contoso_com/"
	  "EaBcDeFgHiJkLmN?e=XyZ123>\n",
	  { { ONEDRIVE, "https://1drv.ms/u/s!AkLmNoPqRsTuVwXy?e=AbCdEf", NULL, NULL },
	    { ONEDRIVE, "https://contoso-my.sharepoint.com/:v:/g/personal/zhangsan_contoso_com/"
	      "EaBcDeFgHiJkLmN?e=XyZ123", NULL, NULL } } },
	{ "百度网盘 share text", LINKS_FORMAT_DETECT,
	  "各位老师好，案例材料较大，已上传百度网盘：\n\n"
	  "链接: https://pan.baidu.com/s/1AbCdEfGhIjKlMnOpQrStUv 提取码: ab12 "
	  "复制这段内容后打开百度网盘手机App，操作更方便哦\n--来自百度网盘超级会员v5的分享\n",
	  { { "百度网盘", "https://pan.baidu.com/s/1AbCdEfGhIjKlMnOpQrStUv", NULL, "ab12" } } },
	{ "百度网盘 new share text, ?pwd=, 有效期", LINKS_FORMAT_DETECT,
	  "通过百度网盘分享的文件：阳光花园+夜间巡逻服务\n"
	  "链接：https://pan.baidu.com/s/1XyZ-a_bCdEf?pwd=x9y8 \n"
	  "提取码：x9y8 \n有效期：7天\n--来自百度网盘超级会员v2的分享\n",
	  { { "百度网盘", "https://pan.baidu.com/s/1XyZ-a_bCdEf?pwd=x9y8", "7天", "x9y8" } } },
	{ "百度网盘 html, code only in the URL; bare link", LINKS_FORMAT_DETECT,
	  "<p>材料：<a href=\"https://pan.baidu.com/s/1QwErTy?pwd=q1w2\">好服务案例材料（百度网盘）</a></p>"
	  "<p>照片：百度网盘 pan.baidu.com/s/1Bare-Link_x 提取码 k7m9</p>",
	  { { "百度网盘", "https://pan.baidu.com/s/1QwErTy?pwd=q1w2", NULL, "q1w2" },
	    { "百度网盘", "https://pan.baidu.com/s/1Bare-Link_x", NULL, "k7m9" } } },
	{ "阿里云盘 alipan.com and aliyundrive.com", LINKS_FORMAT_DETECT,
	  "「好服务案例材料」https://www.alipan.com/s/AbCdEfGhIjK\n提取码: 8x9y\n"
	  "点击链接保存，或者复制本段内容，打开「阿里云盘」APP ，无需下载极速在线查看，视频原画倍速播放。\n\n"
	  "「夜间巡逻视频」https://www.aliyundrive.com/s/ZyXwVuTsRqP 提取码: m3n4\n",
	  { { "阿里云盘", "https://www.alipan.com/s/AbCdEfGhIjK", NULL, "8x9y" },
	    { "阿里云盘", "https://www.aliyundrive.com/s/ZyXwVuTsRqP", NULL, "m3n4" } } },
	{ "腾讯微云", LINKS_FORMAT_DETECT,
	  "分享文件：服务视频.mp4\n链接：https://share.weiyun.com/AbCdEfGh 密码：x7y8z9\n"
	  "复制这段内容后打开手机微云即可获取\n",
	  { { "腾讯微云", "https://share.weiyun.com/AbCdEfGh", NULL, "x7y8z9" } } },
	{ "夸克网盘", LINKS_FORMAT_DETECT,
	  "我用夸克网盘分享了「好服务案例」，点击链接即可保存。打开「夸克APP」，无需下载在线播放视频，"
	  "畅享原画5倍速，支持电视投屏。\n链接：https://pan.quark.cn/s/3a1b2c3d4e5f\n提取码：Ab3d\n",
	  { { "夸克网盘", "https://pan.quark.cn/s/3a1b2c3d4e5f", NULL, "Ab3d" } } },
	{ "123云盘", LINKS_FORMAT_DETECT,
	  "123云盘分享：https://www.123pan.com/s/AbCd-EfGh.html提取码:ab12\n"
	  "视频：https://www.123912.com/s/xYz-AbC 提取码:5t6y\n",
	  { { "123云盘", "https://www.123pan.com/s/AbCd-EfGh.html", NULL, "ab12" },
	    { "123云盘", "https://www.123912.com/s/xYz-AbC", NULL, "5t6y" } } },
	{ "蓝奏云", LINKS_FORMAT_DETECT,
	  "蓝奏云：https://wwi.lanzoui.com/iAbCd123efg\n密码:6ax7\n"
	  "照片：https://abc.lanzn.com/i9Xy8Wv7Ut6s。\n",
	  { { "蓝奏云", "https://wwi.lanzoui.com/iAbCd123efg", NULL, "6ax7" },
	    { "蓝奏云", "https://abc.lanzn.com/i9Xy8Wv7Ut6s", NULL, NULL } } },
	{ "two files, each expiry on the line above its link", LINKS_FORMAT_DETECT,
	  "从网易163邮箱发来的超大附件\n"
	  "阳光花园+夜间巡逻.mp4 (80.96M, 下载有效期至：2026-08-20)\n"
	  "下载地址：https://mail.163.com/large-attachment-download/index.html?file=AAAA1111\n"
	  "推荐表（盖章）.pdf (12.50M, 下载有效期至：2026-08-21 10:00)\n"
	  "下载地址：https://mail.163.com/large-attachment-download/index.html?file=BBBB2222\n",
	  { { NETEASE, "https://mail.163.com/large-attachment-download/index.html?file=AAAA1111",
	      "2026-08-20", NULL },
	    { NETEASE, "https://mail.163.com/large-attachment-download/index.html?file=BBBB2222",
	      "2026-08-21 10:00", NULL } } },
	{ "two shares, each 提取码 on the line below its link", LINKS_FORMAT_DETECT,
	  "案例材料：\n链接：https://pan.quark.cn/s/aaaa1111\n提取码：c1c1\n"
	  "视频：\n链接：https://pan.quark.cn/s/bbbb2222\n提取码：c2c2\n",
	  { { "夸克网盘", "https://pan.quark.cn/s/aaaa1111", NULL, "c1c1" },
	    { "夸克网盘", "https://pan.quark.cn/s/bbbb2222", NULL, "c2c2" } } },
	{ "提取码 above the link", LINKS_FORMAT_DETECT,
	  "天翼云盘 访问码：zz99\nhttps://cloud.189.cn/t/AbCdEf123456\n",
	  { { "天翼云盘", "https://cloud.189.cn/t/AbCdEf123456", NULL, "zz99" } } },
	{ "QQ link and a 百度网盘 share: no code or expiry crosses over", LINKS_FORMAT_DETECT,
	  "从QQ邮箱发来的超大附件\n\n"
	  "服务视频.mp4 (512.30M, 2026年8月12日 15:40 到期)进入下载页面：https://wx.mail.qq.com/"
	  "ftn/download?func=3&k=aa11&key=aa11&code=7684decd\n\n"
	  "照片另见百度网盘：\n链接: https://pan.baidu.com/s/1PhOtOs 提取码: ph07\n",
	  { { QQ, "https://wx.mail.qq.com/ftn/download?func=3&k=aa11&key=aa11&code=7684decd",
	      "2026年8月12日 15:40", NULL },
	    { "百度网盘", "https://pan.baidu.com/s/1PhOtOs", NULL, "ph07" } } },
	{ "HTML entities in href, text URL, expiry and code", LINKS_FORMAT_DETECT,
	  "<p>下载：https://mail.qq.com/cgi-bin/ftnExs_download?t=exs_ftn_download&amp;k=abc123"
	  "&amp;code=dd11<br>到期时间：2026年08月12日&nbsp;15:40</p>"
	  "<p><a href=\"https://pan.quark.cn/s/&#x33;f9e&#38;x=1&#x26;y=2&amp;z=3\">夸克</a> "
	  "提取码&#xff1a;Q1w2</p>",
	  { { QQ, "https://mail.qq.com/cgi-bin/ftnExs_download?t=exs_ftn_download&k=abc123&code=dd11",
	      "2026年08月12日 15:40", NULL },
	    { "夸克网盘", "https://pan.quark.cn/s/3f9e&x=1&y=2&z=3", NULL, "Q1w2" } } },
	{ "text/plain keeps &amp; as written", LINKS_FORMAT_TEXT,
	  "<div>https://pan.quark.cn/s/ab12cd&amp;x=1</div>",
	  { { "夸克网盘", "https://pan.quark.cn/s/ab12cd&amp;x=1", NULL, NULL } } },
	{ "expiry further than 300 characters is not this link's", LINKS_FORMAT_DETECT,
	  "链接：https://pan.quark.cn/s/far00001\n"
	  "这是一段很长的说明。这是一段很长的说明。这是一段很长的说明。这是一段很长的说明。这是一段很长的说明。"
	  "这是一段很长的说明。这是一段很长的说明。这是一段很长的说明。这是一段很长的说明。这是一段很长的说明。"
	  "这是一段很长的说明。这是一段很长的说明。这是一段很长的说明。这是一段很长的说明。这是一段很长的说明。"
	  "这是一段很长的说明。这是一段很长的说明。这是一段很长的说明。这是一段很长的说明。这是一段很长的说明。"
	  "这是一段很长的说明。这是一段很长的说明。这是一段很长的说明。这是一段很长的说明。这是一段很长的说明。"
	  "这是一段很长的说明。这是一段很长的说明。这是一段很长的说明。这是一段很长的说明。这是一段很长的说明。"
	  "这是一段很长的说明。这是一段很长的说明。\n有效期至 2026-08-20\n",
	  { { "夸克网盘", "https://pan.quark.cn/s/far00001", NULL, NULL } } },
	{ "the campaign deadline and an archive password are no expiry or code", LINKS_FORMAT_DETECT,
	  "按通知要求于2026年8月5日前报送，截止时间：2026年8月5日。\n"
	  "材料链接：https://pan.quark.cn/s/abc123def （压缩包密码：1234）\n",
	  { { "夸克网盘", "https://pan.quark.cn/s/abc123def", NULL, NULL } } },
	{ "signature and ordinary links, text/plain", LINKS_FORMAT_DETECT,
	  "材料已作为附件发送，请查收。\n--\n杭州阳光物业服务有限公司\n"
	  "官网：https://www.yangguang-wuye.com\n中国物业管理协会：https://www.ecpmi.org.cn\n"
	  "公众号文章：https://mp.weixin.qq.com/s/AbCdEfGhIjKlMnOp\n"
	  "QQ邮箱：https://mail.qq.com/cgi-bin/frame_html?sid=abc&r=1\nhttps://mail.qq.com/\n"
	  "企业邮箱登录：https://exmail.qq.com/login\nhttps://wx.mail.qq.com/home/index\n"
	  "https://weixin.qq.com/ https://work.weixin.qq.com/ https://pan.baidu.com/ "
	  "https://www.aliyundrive.com/ https://www.lanzou.com/u https://u.163.com/RcUwvU56g "
	  "https://mail.163.com/ http://res.mail.qq.com/zh_CN/htmledition/images/fj/fu_zip.gif "
	  "https://onedrive.live.com/about/zh-cn/ www.ecpmi.org.cn/news/2026 "
	  "mailto:zhangsan@qq.com zhangsan@pan.baidu.com/s/x\n",
	  { { NULL } } },
	{ "signature, tracking pixels and img src, text/html", LINKS_FORMAT_DETECT,
	  "<div>材料见附件。</div><div>--<br><a href=\"https://www.yangguang-wuye.com\">阳光物业</a> "
	  "<a href=\"https://mp.weixin.qq.com/s/AbCdEfGhIjKlMnOp\">公众号</a> "
	  "<a href=\"mailto:zhangsan@qq.com\">zhangsan@qq.com</a> "
	  "<a href=\"https://exmail.qq.com/login\">企业邮箱</a></div>"
	  "<img src=\"https://mail.qq.com/cgi-bin/ftnExs_download?k=pixel\" width=\"1\" height=\"1\">"
	  "<img src=\"https://t.example.com/open?id=8f2a&amp;u=3\" width=\"1\" height=\"1\" alt=\"\">"
	  "<link rel=\"stylesheet\" href=\"https://pan.baidu.com/s/style.css\">"
	  "<!-- <a href=\"https://pan.baidu.com/s/1Commented\">x</a> -->"
	  "<script>var u = \"https://pan.quark.cn/s/inscript\";</script>",
	  { { NULL } } },
};

static void check_case(const struct link_case *lc)
{
	struct links_settings set = { .format = lc->format };
	struct links_found *found = NULL;
	size_t count = 0, nwant = 0;
	const char *error = NULL;

	while (nwant < 3 && lc->want[nwant].url != NULL)
		nwant++;
	test_begin(lc->name);
	if (test_assert_int(links_find(lc->text, strlen(lc->text), &set, &found, &count,
				       &error), 0) &&
	    test_assert_int(count, nwant)) {
		for (size_t i = 0; i < count; i++) {
			test_assert_str(found[i].service, lc->want[i].service);
			test_assert_str(found[i].url, lc->want[i].url);
			test_assert_str(found[i].expiry, lc->want[i].expiry);
			test_assert_str(found[i].code, lc->want[i].code);
		}
	} else {
		for (size_t i = 0; i < count; i++)
			printf("# got %s %s %s %s\n", found[i].service, found[i].url,
			       found[i].expiry ? found[i].expiry : "-",
			       found[i].code ? found[i].code : "-");
	}
	links_free(&found, count);
	test_assert(found == NULL);
	test_end();
}

/* One example URL per built-in service, each found and named alone. */
static void test_links_default_services(void)
{
	static const struct { const char *service, *url; } examples[] = {
		{ EXMAIL, "https://exmail.qq.com/cgi-bin/ftnExs_download?k=0064&t=exs_ftn_download&code=ed13" },
		{ QQ, "https://wx.mail.qq.com/ftn/download?func=3&key=9d99e6&code=bffa6c29&k=9d99e6" },
		{ QQ, "https://iwx.mail.qq.com/ftn/download?func=3&key=c7cc0d&code=83dca72e&k=c7cc0d" },
		{ QQ, "http://mail.qq.com/cgi-bin/ftnExs_download?t=exs_ftn_download&k=7d36&code=7684decd" },
		{ "企业微信微盘", "https://drive.weixin.qq.com/s?k=AJEAIQdfAAo5n7qSaE" },
		{ NETEASE, "https://mail.163.com/large-attachment-download/index.html?file=djAyZG1m" },
		{ NETEASE, "https://dashi.163.com/html/cloud-attachment-download/index.html?key=5a3f" },
		{ "网易企业邮箱超大附件", "https://edisk.qiye.163.com/api/biz/attachment/download?identity=ab12" },
		{ "新浪邮箱超大附件", "https://mail.sina.com.cn/filecenter/download.php?id=5f3e" },
		{ "天翼云盘", "https://cloud.189.cn/t/AbCdEf123456" },
		{ "中国移动云盘", "https://caiyun.139.com/m/i?1H5CqaBcDeF" },
		{ "百度网盘", "https://pan.baidu.com/s/1AbCdEfGhIjKlMnOpQrStUv" },
		{ "阿里云盘", "https://www.alipan.com/s/AbCdEfGhIjK" },
		{ "腾讯微云", "https://share.weiyun.com/AbCdEfGh" },
		{ "夸克网盘", "https://pan.quark.cn/s/3a1b2c3d4e5f" },
		{ "UC网盘", "https://drive.uc.cn/s/1a2b3c4d5e6f" },
		{ "123云盘", "https://www.123pan.com/s/AbCd-EfGh.html" },
		{ "蓝奏云", "https://wwi.lanzoui.com/iAbCd123efg" },
		{ "迅雷云盘", "https://pan.xunlei.com/s/VNaBcDeFgHiJ" },
		{ "115网盘", "https://115.com/s/sw1abcd?password=x1y2" },
		{ ONEDRIVE, "https://1drv.ms/f/s!AkLmNoPqRsTuVwXy" },
		{ ONEDRIVE, "https://onedrive.live.com/?cid=ABCD1234&id=ABCD1234%21105" },
		{ ONEDRIVE, "https://contoso.sharepoint.com/:f:/s/team/EaBcDeF?e=1a2B3c" },
		{ "Google Drive", "https://drive.google.com/file/d/1AbCdEfGhIjK/view?usp=sharing" },
		{ "Dropbox", "https://www.dropbox.com/scl/fi/abc123/case.zip?rlkey=x&dl=0" },
		{ "iCloud云盘", "https://www.icloud.com/iclouddrive/0aBcDeFgHiJ#case" },
		{ "坚果云", "https://www.jianguoyun.com/p/DAbCdEfGhIjK" },
		{ "奶牛快传", "https://cowtransfer.com/s/abcdef123456" },
		{ "文叔叔", "https://www.wenshushu.cn/f/abcdef1234" },
		{ "亿方云", "https://v2.fangcloud.com/s/abcdef123456" },
	};
	const char *error;

	test_begin("every built-in service has an example that it names");
	test_assert_int(links_services_check(links_default_services,
					     links_default_services_count, &error), 0);
	for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++) {
		struct links_found *found;
		size_t count;

		test_assert_int(links_find(examples[i].url, strlen(examples[i].url), NULL,
					   &found, &count, &error), 0);
		if (test_assert_int(count, 1)) {
			test_assert_str(found[0].service, examples[i].service);
			test_assert_str(found[0].url, examples[i].url);
		}
		links_free(&found, count);
	}
	/* and each built-in service is covered by an example */
	for (size_t s = 0; s < links_default_services_count; s++) {
		bool seen = false;

		for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++)
			seen = seen || strcmp(examples[i].service, links_default_services[s].name) == 0;
		if (!seen)
			printf("# no example for %s\n", links_default_services[s].name);
		test_assert(seen);
	}
	test_end();
}

static void test_links_custom_services(void)
{
	static const struct links_service mine[] = {
		{ "测试盘", "^https://files\\.example\\.com/s/" },
	};
	static const struct links_service bad[] = {
		{ "好盘", "^https://ok\\.example\\.com/" },
		{ "坏盘", "^https://(unclosed" },
	};
	const char *text = "https://files.example.com/s/abc 提取码：t3st\nhttps://pan.baidu.com/s/1x";
	struct links_settings set = { .services = mine, .nservices = 1 };
	struct links_found *found = (void *)1;
	size_t count = 1;
	const char *error = NULL;

	test_begin("configured services replace the built-in list; bad patterns fail");
	test_assert_int(links_find(text, strlen(text), &set, &found, &count, &error), 0);
	if (test_assert_int(count, 1)) {
		test_assert_str(found[0].service, "测试盘");
		test_assert_str(found[0].code, "t3st");
	}
	links_free(&found, count);

	set.services = bad;
	set.nservices = 2;
	found = (void *)1;
	test_assert_int(links_find(text, strlen(text), &set, &found, &count, &error), -1);
	test_assert(found == NULL && count == 0);
	test_assert(error != NULL && strstr(error, "坏盘") != NULL &&
		    strstr(error, "offset") != NULL);
	test_assert_int(links_services_check(bad, 2, &error), -1);
	test_assert(strstr(error, "坏盘") != NULL);
	test_assert_int(links_services_check(bad, 1, &error), 0);
	test_assert_int(links_services_check((const struct links_service[]){ { "无", NULL } },
					     1, &error), -1);
	test_end();
}

static void test_links_empty_and_invalid(void)
{
	static const char junk[] = "\xff\xfe<a href=\"https://pan.quark.cn/s/\xe9\x98\xb3x\">"
		"\xc3\x28 \xe9\x98 https://pan.quark.cn/s/ok12\xff\xfe 提取码\xef\xbc\x9a\xe9 ab12";
	struct links_found *found = (void *)1;
	size_t count = 1;
	const char *error;

	test_begin("empty text, NULL text, invalid UTF-8");
	test_assert_int(links_find("", 0, NULL, &found, &count, &error), 0);
	test_assert(found == NULL && count == 0);
	test_assert_int(links_find(NULL, 0, NULL, &found, &count, &error), 0);
	test_assert(found == NULL && count == 0);
	test_assert_int(links_find(junk, sizeof(junk) - 1, NULL, &found, &count, &error), 0);
	if (test_assert_int(count, 2)) {
		test_assert_str(found[0].url, "https://pan.quark.cn/s/\xe9\x98\xb3x");
		test_assert_str(found[1].url, "https://pan.quark.cn/s/ok12");
	}
	links_free(&found, count);
	links_free(&found, 0);
	links_free(NULL, 0);
	test_end();
}

static double links_elapsed(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void run_timed(const char *what, const struct buf *b, const struct links_settings *set,
		      size_t want)
{
	struct links_found *found;
	size_t count;
	const char *error;
	struct timespec t0;
	double secs;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	test_assert_int(links_find(b->data, b->len, set, &found, &count, &error), 0);
	secs = links_elapsed(&t0);
	test_assert_int(count, want);
	printf("# %s: %zu links in %.3f s\n", what, count, secs);
	test_assert(secs < 5.0);   /* generous for the sanitizer build */
	links_free(&found, count);
}

static void test_links_limits(void)
{
	struct buf b = BUF_INIT;
	struct links_settings set = { 0 };

	test_begin("limits: 2 MiB of links, max_links, max_text, hostile text stays fast");
	while (b.len < 2 * 1024 * 1024)
		buf_printf(&b, "链接: https://pan.baidu.com/s/1Link%07zu 提取码: %04zu\n",
			   b.len, b.len % 10000);
	run_timed("2 MiB, distinct 百度 links", &b, NULL, LINKS_DEFAULT_MAX_LINKS);
	set.max_links = 3;
	run_timed("max_links 3", &b, &set, 3);

	buf_truncate(&b, 0);
	while (b.len < 2 * 1024 * 1024)
		buf_printf(&b, "<div><a href=\"https://www.example.com/%zu\">官网</a>"
			   "&amp;&lt;<span title=\"x\">到期时间：</span></div>\n", b.len);
	buf_puts(&b, "<a href=\"https://pan.quark.cn/s/late1\">x</a>");
	run_timed("2 MiB html of other links, share past max_text", &b, NULL, 0);
	set.max_links = 0;
	set.max_text = 3 * 1024 * 1024;
	run_timed("same with max_text 3 MiB", &b, &set, 1);

	buf_truncate(&b, 0);
	buf_puts(&b, "https://x.cn/");
	while (b.len < 1024 * 1024)
		buf_puts(&b, "))))((((a.a.a.a.");
	run_timed("1 MiB URL of brackets", &b, NULL, 0);
	buf_truncate(&b, 0);
	while (b.len < 1024 * 1024)
		buf_puts(&b, "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.");
	buf_puts(&b, "com/ 2026年8月12日 到期");
	run_timed("1 MiB of dotted words", &b, NULL, 0);
	buf_truncate(&b, 0);
	buf_puts(&b, "https://pan.quark.cn/s/same1\n");
	while (b.len < 1024 * 1024)
		buf_puts(&b, "<<<<a <b <!-- &#&#x;& 2026年 到期时间：有效期 提取码 pan.quark.cn/s/same1 ");
	run_timed("1 MiB of tag and entity debris, one link repeated", &b, NULL, 1);
	buf_free(&b);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_links_default_services, test_links_custom_services,
		test_links_empty_and_invalid, test_links_limits, NULL
	};

	for (size_t i = 0; i < sizeof(link_cases) / sizeof(link_cases[0]); i++)
		check_case(&link_cases[i]);
	return test_run(tests);
}
