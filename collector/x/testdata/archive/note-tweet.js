window.YTD.note_tweet.part0 = [
  {
    "noteTweet": {
      "noteTweetId": "1818769999000000000",
      "updatedAt": "2024-07-31T19:30:00.000Z",
      "lifecycle": {
        "value": "Published",
        "name": "Published",
        "originalName": "Published",
        "annotations": {}
      },
      "createdAt": "2024-07-31T19:30:00.000Z",
      "core": {
        "styletags": [],
        "urls": [],
        "text": "I have covered six Games and I cannot remember a picture that said more with less than the table tennis podium selfie in Paris. North and South Korea and China in one frame, one phone, three smiles. Sport at its best, and a reminder of why we stay up for these nights. Thank you, Paris.",
        "mentions": [],
        "cashtags": [],
        "hashtags": []
      }
    }
  }
]