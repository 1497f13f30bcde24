Grailbird.data.tweets_2014_07 = 
 [ {
  "source" : "\u003Ca href=\"http:\/\/twitter.com\/download\/iphone\" rel=\"nofollow\"\u003ETwitter for iPhone\u003C\/a\u003E",
  "entities" : {
    "user_mentions" : [ ],
    "media" : [ ],
    "hashtags" : [ {
      "text" : "CWG2014",
      "indices" : [ 31, 39 ]
    } ],
    "urls" : [ ]
  },
  "geo" : { },
  "id_str" : "494539211390287872",
  "text" : "What a finish in the table tennis #CWG2014",
  "id" : 494539211390287872,
  "created_at" : "2014-07-30 17:35:12 +0000",
  "user" : {
    "name" : "Desk Reader",
    "screen_name" : "desk_reader",
    "protected" : false,
    "id_str" : "91000001",
    "profile_image_url_https" : "https:\/\/pbs.twimg.com\/profile_images\/1\/a_normal.jpeg",
    "id" : 91000001,
    "verified" : false
  }
}, {
  "source" : "web",
  "entities" : { "user_mentions" : [ { "name" : "PP Fan", "screen_name" : "pingpongfan", "indices" : [ 3, 15 ], "id_str" : "91000003", "id" : 91000003 } ], "media" : [ ], "hashtags" : [ ], "urls" : [ ] },
  "geo" : { },
  "id_str" : "494530000000000001",
  "text" : "RT @pingpongfan: Gold for the doubles!",
  "id" : 494530000000000001,
  "created_at" : "2014-07-30 17:00:00 +0000",
  "retweeted_status" : {
    "source" : "web",
    "entities" : { "user_mentions" : [ ], "media" : [ ], "hashtags" : [ ], "urls" : [ ] },
    "geo" : { },
    "id_str" : "494520000000000002",
    "text" : "Gold for the doubles!",
    "id" : 494520000000000002,
    "created_at" : "2014-07-30 16:20:00 +0000",
    "user" : { "name" : "PP Fan", "screen_name" : "pingpongfan", "protected" : false, "id_str" : "91000003", "id" : 91000003, "verified" : false }
  },
  "user" : { "name" : "Desk Reader", "screen_name" : "desk_reader", "protected" : false, "id_str" : "91000001", "id" : 91000001, "verified" : false }
} ]
